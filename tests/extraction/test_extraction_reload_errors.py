"""Idempotent re-loads, corrected re-sends, new centres, and broken deliveries (export-format.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from extraction_support import load_all, write_centre

from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import read_current_staging, row_accounting
from schemas.canonical import TABLE_NAMES
from schemas.dialect import discover_centres, load_dialect

HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"
GOOD = HEADER + b"A1,male,1950-01-01,2020-01-01\nA2,female,1951-01-01,2020-02-01\n"
MUTATIONS = b"patient_id,gene,detected,vaf\nA1,NPM1,true,0.4\n"


def raw_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall()
            for t in TABLE_NAMES}


def test_reloading_the_same_delivery_changes_nothing(tmp_path: Path,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    folder = write_centre(tmp_path / "landing", "IDM", {}, {"2026-11-16": {
        "patients.csv": GOOD, "mutations.csv": MUTATIONS}})
    dialect = load_dialect(folder / "centre.yaml")
    first = extract_centre(con, folder, dialect)
    assert [d.status for d in first.deliveries] == ["loaded"]
    before = raw_snapshot(con)
    again = extract_centre(con, folder, dialect)          # a later load time: still no change
    assert [d.status for d in again.deliveries] == ["unchanged"] and not again.changed
    assert raw_snapshot(con) == before
    assert con.execute("SELECT count(*) FROM raw.files").fetchone()[0] == 2


def test_corrected_resend_replaces_that_delivery(tmp_path: Path,
                                                 con: duckdb.DuckDBPyConnection) -> None:
    folder = write_centre(tmp_path / "landing", "FIX", {}, {
        "2026-05-04": {"patients.csv": GOOD},
        "2026-11-16": {"patients.csv": GOOD, "mutations.csv": MUTATIONS}})
    load_all(con, tmp_path / "landing")
    old_rows = con.execute("SELECT * FROM raw.patients WHERE delivery = '2026-05-04' "
                           "ORDER BY source_row").fetchall()
    corrected = HEADER + b"A1,male,1950-01-01,2020-01-01\n"    # A2 withdrawn
    (folder / "2026-11-16" / "patients.csv").write_bytes(corrected)
    ext, stg, _ = load_all(con, tmp_path / "landing")
    assert [d.status for d in ext["FIX"].deliveries] == ["unchanged", "reloaded"]
    assert stg["FIX"].staged_deliveries == ["2026-11-16"]
    counts = con.execute("SELECT delivery, count(*) FROM raw.patients GROUP BY ALL ORDER BY 1"
                         ).fetchall()
    assert counts == [("2026-05-04", 2), ("2026-11-16", 1)]
    assert con.execute("SELECT * FROM raw.patients WHERE delivery = '2026-05-04' "
                       "ORDER BY source_row").fetchall() == old_rows
    assert con.execute("SELECT count(*) FROM raw.mutations").fetchone()[0] == 1
    assert read_current_staging(con)["patients"]["patient_id"].tolist() == ["A1"]
    assert row_accounting(con)["balanced"].all()


def test_new_centre_folder_is_discovered_without_code(tmp_path: Path,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "AAA", {}, {"2026-11-16": {"patients.csv": GOOD}})
    assert list(discover_centres(landing)) == ["AAA"]
    (landing / "not_a_centre").mkdir()                         # no centre.yaml: ignored
    write_centre(landing, "ZZZ", {"delimiter": ";", "columns": {"patients": {
        "Nº": "patient_id"}}}, {"2026-11-16": {
            "patients.csv": b"N\xc2\xba;sex;birth_date;diagnosis_date\nZ1;male;1950-01-01;"
                            b"2020-01-01\n"}})
    assert list(discover_centres(landing)) == ["AAA", "ZZZ"]
    _, _, failures = load_all(con, landing)
    assert not failures
    current = read_current_staging(con)["patients"]
    assert sorted(zip(current["centre_id"], current["patient_id"], strict=True)) == [
        ("AAA", "A1"), ("AAA", "A2"), ("ZZZ", "Z1")]


def _xlsx_damaged() -> bytes:
    return b"PK\x03\x04 this is not really a workbook"


BROKEN = {
    "undecodable": ({"encoding": "utf-8"}, "patients.csv",
                    HEADER + b"A1,male,1950-01-01,2020-01-01\nA2,f\xe9minin,1951-01-01,2020-01-01\n",
                    r"file patients\.csv, row 2: cannot decode byte"),
    "missing_required_column": ({}, "patients.csv",
                                b"patient_id,sex,birth_date\nA1,male,1950-01-01\n",
                                r"file patients\.csv: missing required column\(s\) "
                                r"\['diagnosis_date'\]"),
    "truncated": ({}, "patients.csv", GOOD + b"A3,male,19",
                  r"file patients\.csv, row 3: file is truncated"),
    "unreadable_workbook": ({"format": "xlsx"}, "export.xlsx", _xlsx_damaged(),
                            r"file export\.xlsx: unreadable workbook"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_delivery_fails_only_its_centre(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                               kind: str) -> None:
    config, file, data, message = BROKEN[kind]
    landing = tmp_path / "landing"
    write_centre(landing, "BAD", config, {"2026-11-16": {file: data}})
    write_centre(landing, "OK1", {}, {"2026-11-16": {"patients.csv": GOOD}})
    _, stagings, failures = load_all(con, landing)
    assert list(failures) == ["BAD"]
    error = failures["BAD"]
    assert str(error).startswith("centre BAD, delivery 2026-11-16, file ")
    with pytest.raises(DeliveryError, match=message):
        raise error
    assert error.centre_id == "BAD" and error.file == file
    assert "OK1" in stagings
    assert read_current_staging(con)["patients"]["centre_id"].unique().tolist() == ["OK1"]
    assert con.execute("SELECT count(*) FROM raw.deliveries WHERE centre_id = 'BAD'"
                       ).fetchone()[0] == 0


def test_broken_resend_keeps_the_previous_load(tmp_path: Path,
                                               con: duckdb.DuckDBPyConnection) -> None:
    """A failing delivery is one transaction: the rows of earlier deliveries stay."""
    landing = tmp_path / "landing"
    folder = write_centre(landing, "KEP", {}, {"2026-05-04": {"patients.csv": GOOD}})
    load_all(con, landing)
    shutil.copytree(folder / "2026-05-04", folder / "2026-11-16")
    (folder / "2026-11-16" / "mutations.csv").write_bytes(b"patient_id,gene\nA1,NPM1\n")
    _, _, failures = load_all(con, landing)
    assert "missing required column" in str(failures["KEP"])
    assert con.execute("SELECT DISTINCT delivery FROM raw.patients").fetchall() == [
        ("2026-05-04",)]
