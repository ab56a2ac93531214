"""``aml-registry export``: the analysts' tables as Parquet/CSV, read back with pyarrow.

Row counts equal the published database's; only the analysts' schemas are written; the data
dictionary and the manifest are beside the tables; a second export gives the same bytes; a
new export replaces the old folder whole, and a failed one leaves the old folder as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from warehouse import export as export_module
from warehouse.export import ExportError, export_registry
from warehouse.publish import PUBLISHED_SCHEMAS

pytestmark = pytest.mark.xdist_group("default_registry")  # the shared refresh: one worker builds it


def _db_counts(db: Path, schemas=PUBLISHED_SCHEMAS) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM {s}."{t}"').fetchone()[0]
                for s, t in names if s in schemas}
    finally:
        con.close()


def _read_back(out: Path, fmt: str, name: str):
    schema, table = name.split(".")
    path = out / schema / f"{table}.{fmt}"
    if fmt == "parquet":
        return pq.read_table(path)
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(null_values=["NA"]))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_reads_back_with_the_database_row_counts(fmt, analyst_warehouse, registry_db,
                                                        tmp_path, capsys) -> None:
    out = tmp_path / f"export-{fmt}"
    assert main(["export", "--warehouse", str(analyst_warehouse), "--format", fmt,
                 "--out", str(out)]) == 0
    assert "exported" in capsys.readouterr().out
    expected = _db_counts(registry_db)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == expected
    for name, rows in expected.items():
        assert _read_back(out, fmt, name).num_rows == rows, name
    assert "analysis.azaven_rr_transplanted" in expected and expected[
        "analysis.patients"] > 100
    # only the analysts' schemas, and no identifying column anywhere
    assert {p.name for p in out.iterdir() if p.is_dir()} == set(PUBLISHED_SCHEMAS)
    for name in expected:
        columns = set(_read_back(out, fmt, name).column_names)
        assert not columns & {"patient_id", "birth_date"}, name
    dictionary = pacsv.read_csv(out / "data_dictionary.csv")
    documented = {f"{s}.{t}" for s, t in zip(dictionary["schema_name"].to_pylist(),
                                             dictionary["table_name"].to_pylist(), strict=True)}
    assert documented == set(expected)
    assert manifest["format"] == fmt and manifest["refresh_id"]
    assert manifest["refresh_code_version"] and manifest["export_code_version"]


def test_csv_is_what_statistics_packages_read(registry_db, tmp_path) -> None:
    """UTF-8, header, NA for missing, booleans 1/0, plain numbers."""
    out = export_registry(registry_db, tmp_path / "csv", "csv", ["analysis"]).out
    raw = (out / "analysis" / "patients.csv").read_bytes()
    header = raw.decode("utf-8").splitlines()[0]
    assert header.startswith("patient_key,centre_id,cohort")
    table = _read_back(out, "csv", "analysis.patients")
    assert set(table["transplanted"].to_pylist()) <= {0, 1}
    assert str(table["age_at_diagnosis"].type) == "double"
    con = duckdb.connect(str(registry_db), read_only=True)
    missing = con.execute("SELECT count(*) - count(hct_ci) FROM analysis.patients").fetchone()[0]
    con.close()
    assert table["hct_ci"].null_count == missing
    assert b",NA," in raw or b",NA\n" in raw


def test_export_is_idempotent_and_swapped_in_whole(registry_db, tmp_path) -> None:
    out = tmp_path / "export"
    first = export_registry(registry_db, out, "parquet").manifest
    (out / "analysis" / "stale.parquet").write_bytes(b"left from an older export")
    second = export_registry(registry_db, out, "parquet").manifest
    assert second == first
    assert not (out / "analysis" / "stale.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["export"]  # no building/retired folder
    only_analysis = export_registry(registry_db, out, "csv", ["analysis"]).manifest
    assert {p.name for p in out.iterdir()} == {"analysis", "data_dictionary.csv",
                                                "manifest.json"}
    assert only_analysis["schemas"] == ["analysis"]


def test_a_failed_export_leaves_the_previous_one(registry_db, tmp_path, monkeypatch) -> None:
    out = tmp_path / "export"
    before = export_registry(registry_db, out, "csv", ["analysis"]).manifest
    calls = {"n": 0}
    real_copy = export_module._copy

    def failing_copy(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(export_module, "_copy", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        export_registry(registry_db, out, "parquet")
    assert json.loads((out / "manifest.json").read_text()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


@pytest.mark.parametrize("schema", ["raw", "staging", "quarantine", "harmonised"])
def test_restricted_layers_are_refused(schema, registry_db, tmp_path) -> None:
    with pytest.raises(ExportError, match=f"--schema {schema} is not in the analysts' file"):
        export_registry(registry_db, tmp_path / "x", "csv", [schema])
    assert not (tmp_path / "x").exists()


def test_a_folder_that_is_not_an_export_is_not_replaced(registry_db, tmp_path, capsys,
                                                        analyst_warehouse) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious", encoding="utf-8")
    assert main(["export", "--warehouse", str(analyst_warehouse), "--format", "csv",
                 "--out", str(out)]) == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert (out / "chapter1.tex").read_text(encoding="utf-8") == "precious"


def test_a_missing_warehouse_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["export", "--warehouse", str(tmp_path / "nowhere"), "--format", "csv",
                 "--out", str(tmp_path / "out")]) == 2
    assert "no published database" in capsys.readouterr().err


def test_the_command_offers_exactly_the_published_schemas() -> None:
    from pipelines.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    schema = next(a for a in sub.choices["export"]._actions if a.dest == "schema")
    assert sorted(schema.choices) == sorted(PUBLISHED_SCHEMAS)
