"""Landing layout, centre.yaml validity, dialect features and determinism of the generator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from generator_readback import all_files, canonical_columns, load_yaml, read_rows, source_name

from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES
from synthetic_registry import DEFAULT_SEED, GenerationSummary, generate_registry

YAML_KEYS = {"centre_id", "name", "country", "format", "workbook", "delimiter", "encoding",
             "decimal", "date_format", "missing", "quiet_period_seconds", "units", "files",
             "columns", "values"}


def deliveries(landing: Path, cid: str) -> list[Path]:
    return sorted(p for p in (landing / cid).iterdir() if p.is_dir())


def test_layout_every_table_and_success_marker_last(default_registry: GenerationSummary) -> None:
    landing = default_registry.landing
    assert len(default_registry.centres) == 13
    for cid in default_registry.centres:
        cfg = load_yaml(landing, cid)
        for folder in deliveries(landing, cid):
            dt.date.fromisoformat(folder.name)
            files = {p.name for p in folder.iterdir()}
            assert "_SUCCESS" in files
            if cfg["format"] == "xlsx":
                from openpyxl import load_workbook

                assert files == {"export.xlsx", "_SUCCESS"}
                wb = load_workbook(folder / "export.xlsx", read_only=True)
                assert sorted(wb.sheetnames) == sorted(source_name(cfg, t) for t in TABLE_NAMES)
            else:
                assert files == {source_name(cfg, t) for t in TABLE_NAMES} | {"_SUCCESS"}
            marker = (folder / "_SUCCESS").stat().st_mtime_ns
            assert all(p.stat().st_mtime_ns <= marker for p in folder.iterdir())


def test_centre_yaml_keys_and_lead_loader(default_registry: GenerationSummary) -> None:
    from schemas.dialect import load_dialect

    for cid in default_registry.centres:
        cfg = load_yaml(default_registry.landing, cid)
        assert set(cfg) <= YAML_KEYS, set(cfg) - YAML_KEYS
        for key in ("centre_id", "name", "country", "format", "delimiter", "encoding",
                    "decimal", "date_format", "missing"):
            assert key in cfg
        assert cfg["centre_id"] == cid
        d = load_dialect(default_registry.landing / cid / "centre.yaml")
        assert d.centre_id == cid


def test_every_written_value_maps_to_the_contract(default_registry: GenerationSummary) -> None:
    """Read every file back through its centre.yaml: columns, codes, dates, numbers."""
    landing = default_registry.landing
    for cid in default_registry.centres:
        cfg = load_yaml(landing, cid)
        missing = set(cfg["missing"])
        values = cfg.get("values") or {}
        fmt = "%Y-%m-%d" if cfg["date_format"] == "iso" else cfg["date_format"]
        for folder in deliveries(landing, cid):
            for t in TABLE_NAMES:
                head, rows = read_rows(landing, cid, folder.name, t)
                cols = canonical_columns(cfg, t, head)
                assert cols == CANONICAL_TABLES[t].column_names, (cid, t, head)
                for j, col in enumerate(CANONICAL_TABLES[t].columns):
                    cells = {r[j] for r in rows} - missing
                    vmap = values.get(col.name, {})
                    if col.kind == "code":
                        mapped = {vmap.get(c, c) for c in cells}
                        ok = set(col.codes) | {"I", "II", "III", "IV"}
                        assert mapped <= ok, (cid, t, col.name, mapped - ok)
                    elif col.kind == "bool":
                        assert {vmap.get(c, c) for c in cells} <= {"true", "false"}, (cid, t)
                    elif col.kind == "date":
                        for c in cells:
                            dt.datetime.strptime(c, fmt)
                    elif col.kind in ("number", "int"):
                        vals = [float(c.replace(cfg["decimal"], ".")) for c in cells]
                        if col.kind == "int":
                            assert all(v.is_integer() for v in vals)
                        if vals and col.maximum is not None:
                            top = col.maximum * (100 if col.name == "vaf" and
                                                 (cfg.get("units") or {}).get("vaf") else 1)
                            assert max(vals) <= top and min(vals) >= (col.minimum or 0)


def test_dialects_genuinely_differ(default_registry: GenerationSummary) -> None:
    landing = default_registry.landing
    cfgs = [load_yaml(landing, c) for c in default_registry.centres]
    assert {c["delimiter"] for c in cfgs} >= {";", ",", "\t"}
    assert {c["decimal"] for c in cfgs} == {",", "."}
    assert {c["encoding"] for c in cfgs} >= {"cp1252", "latin-1", "utf-8"}
    assert {c["date_format"] for c in cfgs} >= {"%d/%m/%Y", "iso", "%Y%m%d", "%d.%m.%Y"}
    assert sum(c["format"] == "xlsx" for c in cfgs) >= 1
    assert sum((c.get("units") or {}).get("vaf") == "percent" for c in cfgs) >= 1
    assert sum(len(deliveries(landing, c["centre_id"])) == 2 for c in cfgs) >= 3
    assert {c["country"] for c in cfgs} == {"FR", "ES"}
    heads = {h for c in cfgs for h in read_rows(landing, c["centre_id"],
                                                  deliveries(landing, c["centre_id"])[-1].name,
                                                  "patients")[0]}
    assert {"N° patient", "Fecha de nacimiento", "Fecha de diagnóstico"} <= heads
    labels = {lab for c in cfgs for m in (c.get("values") or {}).values() for lab in m}
    assert {"Femme", "Homme", "RC", "RCi", "Echec", "Mujer", "Hombre", "oui", "non", "sí",
            "vivant", "décédé"} <= labels
    assert {m for c in cfgs for m in c["missing"]} >= {"ND", "NR", "."}
    # windows line ends and a non-utf-8 file that holds accented text
    raw = (landing / "LYS" / "2026-11-16" / "patients.csv").read_bytes()
    assert b"\r\n" in raw and "é".encode("cp1252") in raw


def test_newer_delivery_adds_patients_and_followup(default_registry: GenerationSummary) -> None:
    landing = default_registry.landing
    for cid in ("LYS", "GRE", "BDX", "PSL"):
        old, new = deliveries(landing, cid)
        _, p_old = read_rows(landing, cid, old.name, "patients")
        _, p_new = read_rows(landing, cid, new.name, "patients")
        if cid == "PSL":  # closed comparator cohort (2006-2021): only follow-up grows
            assert {r[0] for r in p_old} == {r[0] for r in p_new}
        else:
            assert {r[0] for r in p_old} < {r[0] for r in p_new}
        _, f_old = read_rows(landing, cid, old.name, "followup")
        _, f_new = read_rows(landing, cid, new.name, "followup")
        assert len(f_old) == len(p_old) and len(f_new) == len(p_new)
        changed = {r[0] for r in f_old} - {r[0] for r in f_new}
        assert not changed
        assert len({tuple(r) for r in f_old} - {tuple(r) for r in f_new}) > len(f_old) // 10


def test_same_seed_identical_bytes_other_seed_differs(default_registry: GenerationSummary,
                                                    tmp_path: Path) -> None:
    again = generate_registry(tmp_path / "again", seed=DEFAULT_SEED)
    assert all_files(again.landing) == all_files(default_registry.landing)
    other = generate_registry(tmp_path / "other", seed=DEFAULT_SEED + 1)
    a, b = all_files(other.landing), all_files(default_registry.landing)
    assert a.keys() == b.keys()
    assert a["LYS/2026-11-16/patients.csv"] != b["LYS/2026-11-16/patients.csv"]


def test_summary_counts_rows(default_registry: GenerationSummary) -> None:
    s = default_registry
    # 592 AZA/VEN patients + the IC comparator pool of 480 (outcomes.md: several hundred)
    assert s.patients == 1072 and s.defects == 0 and s.manifest is None
    assert sum(s.rows[(c, "patients")] for c in s.centres) == 1072
    assert sum(s.rows[(c, "followup")] for c in s.centres) == 1072
    head, rows = read_rows(s.landing, "VAL", "2026-11-16", "mutations")
    assert len(rows) == s.rows[("VAL", "mutations")]
    assert len(s.paths) == 17 and all(p.is_dir() for p in s.paths)


@pytest.mark.parametrize("n", [5000])
def test_scale_mode_small(tmp_path: Path, n: int) -> None:
    s = generate_registry(tmp_path / "scale", patients=n)
    assert s.patients == n
    assert all(len(v) == 1 for v in s.deliveries.values())
    assert sum(s.rows[(c, "patients")] for c in s.centres) == n
    ids = []
    for cid in s.centres:
        head, rows = read_rows(s.landing, cid, s.deliveries[cid][0], "patients")
        ids += [(cid, r[0]) for r in rows]
    assert len(set(ids)) == n
    assert np.isclose(s.rows[("LYS", "patients")] / n, 85 / 672, atol=0.002)
    clf = s.landing / "CLF" / s.deliveries["CLF"][0]
    assert sorted(p.name for p in clf.iterdir()) == ["_SUCCESS", "export.xlsx"]


def test_centre_definitions_are_consistent() -> None:
    from synthetic_registry.centres import check_centres

    check_centres()


def test_legacy_chronic_scale_and_roman_grades(default_registry: GenerationSummary) -> None:
    landing = default_registry.landing
    _, rows = read_rows(landing, "NTE", "2026-11-16", "gvhd")
    grades = {r[3] for r in rows}
    assert grades & {"limitée", "extensive"} and not grades & {"légère", "modérée", "sévère"}
    _, rows = read_rows(landing, "REN", "2026-11-16", "gvhd")
    assert {r[3] for r in rows if r[1] == "aiguë"} <= {"I", "II", "III", "IV"}
    _, rows = read_rows(landing, "LIL", "2026-11-16", "patients")
    assert {r[7] for r in rows} == {"NA"}          # LIL does not report ELN 2024
