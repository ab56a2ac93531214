"""Defect mode: every manifest row points at the written cell holding the manifest's value."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from generator_readback import (
    all_files,
    assert_row_defect_in_place,
    canonical_columns,
    load_yaml,
    read_rows,
)

from synthetic_registry import GenerationSummary, generate_registry
from synthetic_registry.defects import FILE_KINDS, ROW_KINDS


@pytest.fixture(scope="module")
def manifest(defect_registry: GenerationSummary) -> pd.DataFrame:
    assert defect_registry.manifest is not None
    return pd.read_csv(defect_registry.manifest, dtype=str, keep_default_na=False)


def test_manifest_format(defect_registry: GenerationSummary, manifest: pd.DataFrame) -> None:
    assert list(manifest.columns) == ["centre_id", "delivery", "table", "file", "source_row",
                                      "column", "kind", "value", "expected"]
    assert len(manifest) == defect_registry.defects
    assert set(manifest["kind"]) == set(ROW_KINDS) | set(FILE_KINDS)
    file_level = manifest[manifest["kind"].isin(FILE_KINDS)]
    assert len(file_level) == 2 and (file_level["expected"] == "centre_fails").all()
    assert file_level["centre_id"].nunique() == 2
    row_level = manifest[~manifest["kind"].isin(FILE_KINDS)]
    assert (row_level["expected"] == "quarantine_row").all()
    # centres that fail get no row-level defects; only newest deliveries are touched
    assert not set(row_level["centre_id"]) & set(file_level["centre_id"])
    for cid, d in zip(manifest["centre_id"], manifest["delivery"], strict=True):
        assert d == defect_registry.deliveries[cid][-1]
    # at most one defect per written row
    assert not manifest.duplicated(["centre_id", "delivery", "file", "source_row"]).any()
    # rate: about 2 % of the data rows
    rows = sum(defect_registry.rows.values())
    assert 0.01 * rows <= len(row_level) <= 0.03 * rows


def test_every_row_defect_is_where_the_manifest_says(defect_registry: GenerationSummary,
                                                     manifest: pd.DataFrame) -> None:
    landing = defect_registry.landing
    cache: dict = {}
    for m in manifest[~manifest["kind"].isin(FILE_KINDS)].itertuples(index=False):
        key = (m.centre_id, m.delivery, m.table)
        if key not in cache:
            head, rows = read_rows(landing, *key)
            cache[key] = (canonical_columns(load_yaml(landing, m.centre_id), m.table, head),
                          rows)
        cols, rows = cache[key]
        assert_row_defect_in_place(m, cols, rows)


def test_defective_values_are_not_in_the_dialect(defect_registry: GenerationSummary,
                                                 manifest: pd.DataFrame) -> None:
    cfgs = {c: load_yaml(defect_registry.landing, c) for c in set(manifest["centre_id"])}
    for m in manifest[manifest["kind"].isin(["unknown_label", "typo"])].itertuples():
        cfg = cfgs[m.centre_id]
        known = set((cfg.get("values") or {}).get(m.column, {}))
        assert m.value not in known and m.value not in cfg["missing"]
    for m in manifest[manifest["kind"] == "missing_required"].itertuples():
        cfg = cfgs[m.centre_id]
        assert m.value in cfg["missing"] or m.value == ""


def test_file_level_defects(defect_registry: GenerationSummary, manifest: pd.DataFrame) -> None:
    landing = defect_registry.landing
    for m in manifest[manifest["kind"].isin(FILE_KINDS)].itertuples():
        cfg = load_yaml(landing, m.centre_id)
        path = landing / m.centre_id / m.delivery / m.file
        data = path.read_bytes()
        if m.kind == "truncated_file":
            text = data.decode(cfg["encoding"])
            assert not text.endswith(("\n", "\r"))
            last = list(csv.reader([text.splitlines()[-1]], delimiter=cfg["delimiter"]))[0]
            header = list(csv.reader([text.splitlines()[0]], delimiter=cfg["delimiter"]))[0]
            assert len(last) < len(header)
            assert text.splitlines()[-1] == m.value
            assert len(text.splitlines()) - 1 == int(m.source_row)
        else:
            assert cfg["encoding"] == "utf-8"
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert m.value in data.decode("cp1252")


def test_defect_mode_is_deterministic(defect_registry: GenerationSummary, tmp_path: Path
                                      ) -> None:
    again = generate_registry(tmp_path / "again", defect_rate=0.02)
    assert all_files(again.landing) == all_files(defect_registry.landing)
