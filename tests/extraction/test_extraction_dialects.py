"""Every dialect feature of centre.yaml (export-format.md), on small hand-built centres."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from extraction_support import load_all, write_centre

from extraction.deliveries import complete_deliveries, delivery_is_complete
from extraction.load import extract_centre
from extraction.readers import DeliveryError, read_csv_table
from extraction.stage import read_current_staging, row_accounting
from schemas.dialect import load_dialect


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8",
              newline: str = "\n") -> bytes:
    return "".join(delimiter.join(r) + newline for r in rows).encode(encoding)


FR_CONFIG = {
    "format": "csv", "delimiter": ";", "encoding": "cp1252", "decimal": ",",
    "date_format": "%d/%m/%Y", "missing": ["", "ND", "NR"], "units": {"vaf": "percent"},
    "files": {"mutations": "biologie.csv"},
    "columns": {
        "patients": {"N° patient": "patient_id", "Sexe": "sex", "Date de naissance": "birth_date",
                     "Date du diagnostic": "diagnosis_date", "ELN 2022": "eln2022_reported"},
        "mutations": {"N° patient": "patient_id", "Gène": "gene", "Muté": "detected",
                      "VAF": "vaf"},
    },
    "values": {"sex": {"Femme": "female", "Homme": "male"},
               "eln2022_reported": {"défavorable": "adverse", "intermédiaire": "intermediate"},
               "detected": {"oui": True, "non": False}},
}
FR_PATIENTS = [["N° patient", "Sexe", "Date de naissance", "Date du diagnostic", "ELN 2022"],
               ["LY001", "Femme", "03/02/1950", "15/06/2020", "défavorable"],
               ["LY002", "Homme", "28/12/1961", "01/03/2021", "ND"],
               ["LY003", "Homme", "ND", "01/03/2021", "intermédiaire"]]
FR_MUTATIONS = [["N° patient", "Gène", "Muté", "VAF"],
                ["LY001", "NPM1", "oui", "45,5"],
                ["LY001", "FLT3", "non", "NR"],
                ["LY002", "TP53", "oui", "7,25"]]


def fr_centre(landing: Path, newline: str = "\r\n", encoding: str = "cp1252",
              **config: object) -> Path:
    cfg = {**FR_CONFIG, "encoding": encoding, **config}
    return write_centre(landing, "LYS", cfg, {"2026-11-16": {
        "patients.csv": csv_bytes(FR_PATIENTS, ";", encoding, newline),
        "biologie.csv": csv_bytes(FR_MUTATIONS, ";", encoding, newline)}})


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8"])
def test_french_dialect_is_typed_and_mapped(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                            encoding: str) -> None:
    """cp1252/latin-1/utf-8, ';', decimal comma, dd/mm/yyyy, percent VAF, labels, markers."""
    fr_centre(tmp_path / "landing", encoding=encoding)
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    staged = read_current_staging(con)
    pats = staged["patients"].set_index("patient_id")
    assert list(pats.index) == ["LY001", "LY002"]          # LY003 has no birth date
    assert pats.loc["LY001", "sex"] == "female" and pats.loc["LY002", "sex"] == "male"
    assert pats.loc["LY001", "birth_date"] == pd.Timestamp("1950-02-03")
    assert pats.loc["LY001", "diagnosis_date"] == pd.Timestamp("2020-06-15")
    assert pats.loc["LY001", "eln2022_reported"] == "adverse"
    assert pats.loc["LY002", "eln2022_reported"] is None    # "ND" is a missing marker
    muts = staged["mutations"].set_index("gene")
    assert muts.loc["NPM1", "vaf"] == pytest.approx(0.455)  # percent -> fraction
    assert muts.loc["TP53", "vaf"] == pytest.approx(0.0725)
    assert pd.isna(muts.loc["FLT3", "vaf"])
    assert bool(muts.loc["NPM1", "detected"]) and not bool(muts.loc["FLT3", "detected"])
    q = con.execute("SELECT * FROM quarantine.rows").df()
    assert len(q) == 1
    row = q.iloc[0]
    assert (row["file"], row["source_row"], row["column_name"]) == ("patients.csv", 3,
                                                                   "birth_date")
    assert "centre LYS" in row["reason"] and "row 3" in row["reason"]
    assert "'ND'" in row["reason"] and "required" in row["reason"]
    # raw keeps the verbatim text and the accented source column names
    raw = con.execute("SELECT vaf FROM raw.mutations ORDER BY source_row").fetchall()
    assert [r[0] for r in raw] == ["45,5", "NR", "7,25"]
    cols = con.execute("SELECT source_columns FROM raw.files WHERE table_name = 'patients'"
                       ).fetchone()[0]
    assert "N° patient" in cols


def test_iso_dates_comma_delimiter_and_unmapped_labels(tmp_path: Path,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    """ISO dates, ',' delimiter, '.' decimals; an unknown label or column goes to quarantine."""
    write_centre(tmp_path / "landing", "STE", {"missing": ["", "NA"]}, {"2026-11-16": {
        "patients.csv": csv_bytes([
            ["patient_id", "sex", "birth_date", "diagnosis_date", "commentaire"],
            ["S1", "female", "1950-02-03", "2020-06-15", ""],
            ["S2", "Femme", "1951-02-03", "2020-06-15", ""],       # label not in the dialect
            ["S3", "male", "1952-02-03", "2020-06-15", "vu en RCP"],  # unmapped column value
            ["S4", "male", "1953-02-30", "2020-06-15", ""]]),      # impossible date
        "mutations.csv": csv_bytes([["patient_id", "gene", "detected", "vaf"],
                                    ["S1", "NPM1", "true", "0.455"],
                                    ["S1", "FLT3", "false", "NA"]])}})
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    staged = read_current_staging(con)
    assert list(staged["patients"]["patient_id"]) == ["S1"]
    assert staged["mutations"]["vaf"].tolist()[0] == pytest.approx(0.455)
    q = con.execute("SELECT * FROM quarantine.rows ORDER BY source_row").df()
    assert q["source_row"].tolist() == [2, 3, 4]
    assert q["rule"].tolist() == ["allowed_codes", "unknown_column", "date"]
    assert "'Femme'" in q["reason"][0] and "column 'sex'" in q["reason"][0]
    assert "commentaire" in q["reason"][1] and "vu en RCP" in q["reason"][1]
    assert "'1953-02-30'" in q["reason"][2] and "birth_date" in q["reason"][2]


def test_short_record_in_the_middle_of_a_file_is_quarantined(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A record with fewer fields than the header (not the last line) is padded by the CSV
    parser; it must not pass as a row of blanks but go to quarantine, raw keeping it."""
    write_centre(tmp_path / "landing", "STE", {"missing": ["", "NA"]}, {"2026-11-16": {
        "patients.csv": (b"patient_id,sex,birth_date,diagnosis_date,eln2022_reported\n"
                         b"S1,female,1950-02-03,2020-06-15,adverse\n"
                         b"S2,male,1951-02-03,2020-06-15\n"            # one field short
                         b'S3,male,"1952-02-03",2020-06-15,\n'          # complete, empty last
                         b"\n"                                          # blank line: skipped
                         b"S4,female\n"                                 # three fields short
                         b"S5,female,1953-02-03,2020-06-15,favorable\n"),
        "mutations.csv": b"patient_id,gene,detected,vaf\nS1,NPM1,true,0.4\n"}})
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    raw = con.execute("SELECT patient_id, missing_fields FROM raw.patients ORDER BY source_row"
                      ).fetchall()
    assert raw == [("S1", 0), ("S2", 1), ("S3", 0), ("S4", 3), ("S5", 0)]
    staged = read_current_staging(con)
    assert sorted(staged["patients"]["patient_id"]) == ["S1", "S3", "S5"]
    q = con.execute("SELECT source_row, rule, reason FROM quarantine.rows ORDER BY source_row"
                    ).df()
    assert q["source_row"].tolist() == [2, 4] and set(q["rule"]) == {"short_row"}
    assert "file patients.csv, row 2" in q["reason"][0] and "1 of the header" in q["reason"][0]
    assert "cut short" in q["reason"][1] and "3 of the header" in q["reason"][1]
    accounting = row_accounting(con)
    patients = accounting[accounting["table_name"] == "patients"].iloc[0]
    assert (patients["raw_rows"], patients["staged_rows"], patients["quarantined_rows"]) == (
        5, 3, 2)


PATIENTS_HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"


@pytest.mark.parametrize("body, raw_rows, quarantined", [
    # a lone CR ends a record for the parser: S2 is a short record, S3 a complete one
    (b"S1,female,1950-02-03,2020-06-15\nS2,male\rS3,male,1951-02-03,2020-06-15\n",
     [("S1", 0), ("S2", 2), ("S3", 0)], [2]),
    # a line of spaces is skipped like a blank line, by the parser and by the field count
    (b"S1,female,1950-02-03,2020-06-15\n   \t\nS2,male,1951-02-03,2020-06-15\n",
     [("S1", 0), ("S2", 0)], []),
    # a newline inside a quoted value does not end the record
    (b'S1,"fe\nmale",1950-02-03,2020-06-15\nS2,male\n', [("S1", 0), ("S2", 2)], [1, 2]),
])
def test_record_boundaries_agree_between_parser_and_field_count(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, body: bytes,
        raw_rows: list[tuple[str, int]], quarantined: list[int]) -> None:
    write_centre(tmp_path / "landing", "STE", {}, {"2026-11-16": {
        "patients.csv": PATIENTS_HEADER + body,
        "mutations.csv": b"patient_id,gene,detected,vaf\n"}})
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    assert con.execute("SELECT patient_id, missing_fields FROM raw.patients ORDER BY source_row"
                       ).fetchall() == raw_rows
    assert [r[0] for r in con.execute("SELECT source_row FROM quarantine.rows ORDER BY 1"
                                      ).fetchall()] == quarantined


@pytest.mark.parametrize("body", [
    b"S1,female,1950-02-03,2020-06-15,x\nS2,male,1951-02-03,2020-06-15\n",   # long first
    b"S1,female,1950-02-03,2020-06-15,\nS2,male,1951-02-03,2020-06-15,\n",   # trailing ','
])
def test_a_long_first_record_fails_the_file_instead_of_shifting_columns(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, body: bytes) -> None:
    """pandas would take the surplus field as an index (every column shifted by one) or
    drop it; the field count names the record instead."""
    write_centre(tmp_path / "landing", "STE", {}, {"2026-11-16": {
        "patients.csv": PATIENTS_HEADER + body,
        "mutations.csv": b"patient_id,gene,detected,vaf\n"}})
    _, _, failures = load_all(con, tmp_path / "landing")
    error = failures["STE"]
    assert error.file == "patients.csv" and error.row == 1
    assert "5 fields but the header has 4" in str(error)


def test_raw_tables_of_an_older_warehouse_gain_the_missing_fields_column(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A raw table created before ``missing_fields`` existed takes the column on the next
    load; its earlier rows count as complete."""
    fr_centre(tmp_path / "landing")
    load_all(con, tmp_path / "landing")
    con.execute("ALTER TABLE raw.patients DROP COLUMN missing_fields")
    write_centre(tmp_path / "landing", "STE", {}, {"2026-11-17": {
        "patients.csv": b"patient_id,sex,birth_date,diagnosis_date\nS1,female,1950-02-03\n"}})
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    rows = con.execute("SELECT centre_id, missing_fields FROM raw.patients ORDER BY ALL"
                       ).fetchall()
    assert rows[-1] == ("STE", 1) and all(m is None for c, m in rows if c == "LYS")


def test_bom_mixed_line_endings_header_only_and_absent_table(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A UTF-8 BOM, mixed CRLF/LF, a header-only table and an absent table are all valid."""
    patients = ("\ufeffpatient_id,sex,birth_date,diagnosis_date\r\n"
                "B1,female,1950-02-03,2020-06-15\n"
                "B2,male,1951-02-03,2020-07-15\r\n"
                "B3,male,1952-02-03,2020-08-15").encode() + b"\n"
    write_centre(tmp_path / "landing", "BOM", {}, {"2026-11-16": {
        "patients.csv": patients,
        "mutations.csv": b"patient_id,gene,detected,vaf\r\n"}})     # header only
    ext, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    loaded = ext["BOM"].deliveries[0]
    assert loaded.rows_per_file == {"patients.csv": 3, "mutations.csv": 0}
    assert "gvhd" not in loaded.file_per_table                      # absent table: valid
    staged = read_current_staging(con)
    assert staged["patients"]["patient_id"].tolist() == ["B1", "B2", "B3"]
    assert len(staged["mutations"]) == 0 and len(staged["gvhd"]) == 0
    assert row_accounting(con)["balanced"].all()


def test_zero_byte_file_is_a_clear_error(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    folder = write_centre(tmp_path / "landing", "ZER", {}, {"2026-11-16": {
        "patients.csv": b"patient_id,sex,birth_date,diagnosis_date\nZ1,male,1950-01-01,2020-01-01\n",
        "mrd.csv": b""}})
    with pytest.raises(DeliveryError, match=r"centre ZER, delivery 2026-11-16, file mrd\.csv.*"
                                            r"empty") as exc:
        extract_centre(con, folder, load_dialect(folder / "centre.yaml"))
    assert exc.value.file == "mrd.csv"


def test_xlsx_workbook_one_sheet_per_table(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A workbook with real dates and numbers; sheet names from files:, labels mapped."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(["N° patient", "Sexe", "Date de naissance", "Date du diagnostic"])
    ws.append(["63001", "Femme", dt.datetime(1950, 2, 3), dt.datetime(2020, 6, 15)])
    ws.append(["63002", "Homme", dt.datetime(1960, 5, 1), None])
    muts = wb.create_sheet("Biologie moléculaire")
    muts.append(["N° patient", "Gène", "Muté", "VAF"])
    muts.append(["63001", "NPM1", "oui", 0.455])
    muts.append(["63001", "FLT3", "non", None])
    buf = io.BytesIO()
    wb.save(buf)
    write_centre(tmp_path / "landing", "CLF", {
        "format": "xlsx", "workbook": "export.xlsx", "date_format": "%d/%m/%Y",
        "files": {"patients": "Patients", "mutations": "Biologie moléculaire"},
        "columns": FR_CONFIG["columns"] | {"patients": {
            k: v for k, v in FR_CONFIG["columns"]["patients"].items() if k != "ELN 2022"}},
        "values": FR_CONFIG["values"]}, {"2026-11-16": {"export.xlsx": buf.getvalue()}})
    ext, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    assert ext["CLF"].deliveries[0].rows_per_file == {
        "export.xlsx#Patients": 2, "export.xlsx#Biologie moléculaire": 2}
    staged = read_current_staging(con)
    pats = staged["patients"]
    assert pats["patient_id"].tolist() == ["63001"]                  # 63002: no diagnosis date
    assert pats["birth_date"].iloc[0] == pd.Timestamp("1950-02-03")
    assert staged["mutations"]["vaf"].iloc[0] == pytest.approx(0.455)
    raw = con.execute("SELECT birth_date FROM raw.patients ORDER BY source_row").fetchall()
    assert raw[0][0] == "03/02/1950"
    q = con.execute("SELECT file, source_row, column_name FROM quarantine.rows").fetchall()
    assert q == [("export.xlsx#Patients", 2, "diagnosis_date")]


def test_multiple_deliveries_all_kept_newest_current(tmp_path: Path,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    header = ["patient_id", "sex", "birth_date", "diagnosis_date"]
    old = csv_bytes([header, ["M1", "male", "1950-01-01", "2020-01-01"]])
    new = csv_bytes([header, ["M1", "male", "1950-01-01", "2020-01-01"],
                     ["M2", "female", "1955-01-01", "2026-01-01"]])
    write_centre(tmp_path / "landing", "MUL", {}, {"2026-05-04": {"patients.csv": old},
                                                   "2026-11-16": {"patients.csv": new}})
    load_all(con, tmp_path / "landing")
    raw = con.execute("SELECT delivery, count(*) FROM raw.patients GROUP BY ALL ORDER BY 1"
                      ).fetchall()
    assert raw == [("2026-05-04", 1), ("2026-11-16", 2)]
    current = read_current_staging(con)["patients"]
    assert set(current["delivery"]) == {"2026-11-16"}
    assert current["patient_id"].tolist() == ["M1", "M2"]
    accounting = row_accounting(con)
    assert accounting["balanced"].all() and sorted(accounting["delivery"]) == [
        "2026-05-04", "2026-11-16"]


def test_quiet_period_versus_success_marker(tmp_path: Path,
                                            con: duckdb.DuckDBPyConnection) -> None:
    """Without _SUCCESS a delivery is taken only after its quiet period without change."""
    body = b"patient_id,sex,birth_date,diagnosis_date\nQ1,male,1950-01-01,2020-01-01\n"
    folder = write_centre(tmp_path / "landing", "QUI", {"quiet_period_seconds": 300},
                          {"2026-11-16": {"patients.csv": body}}, success=False)
    dialect = load_dialect(folder / "centre.yaml")
    now = time.time()
    complete, reason = delivery_is_complete(folder / "2026-11-16", 300, now)
    assert not complete and "quiet period" in reason
    assert complete_deliveries(folder, dialect, now) == []
    result = extract_centre(con, folder, dialect, now=now)
    assert [d.status for d in result.deliveries] == ["incomplete"]
    assert con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0] == 0
    later = now + 301
    assert delivery_is_complete(folder / "2026-11-16", 300, later)[0]
    assert [d.status for d in extract_centre(con, folder, dialect, now=later).deliveries] == [
        "loaded"]
    # a _SUCCESS marker makes a fresh delivery complete at once
    (folder / "2026-11-17").mkdir()
    (folder / "2026-11-17" / "patients.csv").write_bytes(body)
    assert not delivery_is_complete(folder / "2026-11-17", 300, now)[0]
    (folder / "2026-11-17" / "_SUCCESS").write_bytes(b"")
    complete, reason = delivery_is_complete(folder / "2026-11-17", 300, now)
    assert complete and "_SUCCESS" in reason


def test_reader_keeps_text_verbatim(tmp_path: Path) -> None:
    """Quoted delimiters, leading zeros and spaces survive reading as text."""
    folder = fr_centre(tmp_path / "landing")
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([FR_PATIENTS[0], ['"007;8"', "Femme", " 01/02/1950 ", "x", ""]],
                               ";", "cp1252"))
    table = read_csv_table(path, "patients", load_dialect(folder / "centre.yaml"), "2026-11-16")
    row = table.frame.iloc[0]
    assert row["patient_id"] == "007;8" and row["birth_date"] == " 01/02/1950 "
    assert row["source_row"] == 1 and table.rows == 1
