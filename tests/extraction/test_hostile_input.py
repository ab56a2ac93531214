"""Hostile or malformed input is refused with a message naming centre, file and problem,
and never a patient's value (issue 18: paths, links, folder names, YAML bombs, dialect
errors, implausible dates, formulas without values, headerless files)."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path

import duckdb
import pytest
from extraction_support import load_all, write_centre

from extraction.deliveries import delivery_date_problem
from extraction.load import extract_centre
from extraction.readers import DeliveryError, read_xlsx_tables
from extraction.stage import read_current_staging, row_accounting, stage_centre
from schemas.dialect import DialectError, load_dialect

HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"
GOOD = HEADER + b"A1,male,1950-01-01,2020-01-01\nA2,female,1951-01-01,2020-02-01\n"
TODAY = dt.date(2026, 11, 25)


def _quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT source_row, column_name, rule, reason FROM quarantine.rows "
                       "ORDER BY source_row").fetchall()


# --- delivery folder names -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("2026-11-16", None),
    ("2026-11-26", None),                               # within the one-day tolerance
    ("latest", "is not a delivery folder name"),
    ("2026-13-45", "is not a real calendar date"),
    ("2026-02-30", "is not a real calendar date"),
    ("9999-12-31", "is dated in the future"),
    ("2026-11-28", "is dated in the future"),
])
def test_delivery_folder_names_must_be_real_past_iso_dates(name: str, expected: str | None
                                                           ) -> None:
    problem = delivery_date_problem(name, TODAY)
    assert (problem is None) if expected is None else (expected in problem)


def test_bad_folder_names_are_reported_once_and_a_later_real_delivery_is_used(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    newer = HEADER + b"A1,male,1950-01-01,2020-01-01\nA2,female,1951-01-01,2020-02-01\n" \
                     b"A3,male,1952-01-01,2020-03-01\n"
    write_centre(landing, "BDN", {}, {"2026-05-04": {"patients.csv": GOOD},
                                      "9999-12-31": {"patients.csv": GOOD},
                                      "latest": {"patients.csv": GOOD},
                                      "2026-13-45": {"patients.csv": GOOD},
                                      "2026-11-16": {"patients.csv": newer}})
    extractions, _, failures = load_all(con, landing)
    error = failures["BDN"]
    assert error.centre_id == "BDN" and error.extraction is not None
    messages = [str(p) for p in error.extraction.new_problems]
    assert len(messages) == 3
    assert any("2026-13-45" in m and "not a real calendar date" in m for m in messages)
    assert any("latest" in m and "not a delivery folder name" in m for m in messages)
    assert any("9999-12-31" in m and "future" in m for m in messages)
    loaded = {d.delivery for d in error.extraction.deliveries if d.status == "loaded"}
    assert loaded == {"2026-05-04", "2026-11-16"}
    stage_centre(con, load_dialect(landing / "BDN" / "centre.yaml"))
    current = read_current_staging(con)["patients"]
    assert sorted(current["patient_id"]) == ["A1", "A2", "A3"]
    # reported once: the same entries do not fail the centre again
    again = extract_centre(con, landing / "BDN", load_dialect(landing / "BDN" / "centre.yaml"))
    assert again.new_problems == [] and len(again.problems) == 3
    recorded = con.execute("SELECT count(*) FROM meta.delivery_problems").fetchone()[0]
    assert recorded == 3


def test_a_newer_good_delivery_replaces_a_broken_one(tmp_path: Path,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    folder = write_centre(landing, "BRK", {}, {
        "2026-05-04": {"patients.csv": GOOD},
        "2026-08-01": {"patients.csv": b"patient_id,sex,birth_date\nA1,male,1950-01-01\n"}})
    _, _, failures = load_all(con, landing)
    assert "missing required column" in str(failures["BRK"])
    assert failures["BRK"].delivery == "2026-08-01"
    # the broken one is known now: not read again, the centre does not fail again
    _, _, failures = load_all(con, landing)
    assert failures == {}
    newer = GOOD + b"A3,male,1952-01-01,2020-03-01\n"
    write_centre(landing, "BRK", {}, {"2026-11-16": {"patients.csv": newer}})
    extractions, _, failures = load_all(con, landing)
    assert failures == {}
    statuses = {d.delivery: d.status for d in extractions["BRK"].deliveries}
    assert statuses == {"2026-05-04": "unchanged", "2026-08-01": "broken",
                        "2026-11-16": "loaded"}
    assert sorted(read_current_staging(con)["patients"]["patient_id"]) == ["A1", "A2", "A3"]
    history = con.execute("SELECT entry, problem FROM meta.delivery_problems").fetchall()
    assert [h[0] for h in history] == ["2026-08-01"]
    assert folder.exists()


# --- paths and links -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "sub/patients.csv",
                                  "..", "~root/x.csv"])
def test_files_outside_the_delivery_folder_are_refused_by_the_dialect(tmp_path: Path,
                                                                      name: str) -> None:
    folder = write_centre(tmp_path, "PTH", {"files": {"patients": name}}, {})
    with pytest.raises(DialectError, match=r"field 'files.patients'") as exc:
        load_dialect(folder / "centre.yaml")
    assert exc.value.field == "files.patients" and exc.value.file.endswith("centre.yaml")


def test_a_symlinked_file_is_refused(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_bytes(GOOD)
    folder = write_centre(tmp_path / "landing", "LNK", {}, {"2026-11-16": {}})
    os.symlink(outside, folder / "2026-11-16" / "patients.csv")
    with pytest.raises(DeliveryError, match=r"centre LNK, delivery 2026-11-16, file "
                                            r"patients\.csv: is a symbolic link: refused"):
        extract_centre(con, folder, load_dialect(folder / "centre.yaml"))
    assert con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0] == 0


def test_a_symlinked_delivery_folder_is_refused(tmp_path: Path,
                                                con: duckdb.DuckDBPyConnection) -> None:
    elsewhere = tmp_path / "elsewhere" / "2026-11-16"
    elsewhere.mkdir(parents=True)
    (elsewhere / "patients.csv").write_bytes(GOOD)
    (elsewhere / "_SUCCESS").touch()
    folder = write_centre(tmp_path / "landing", "LND", {}, {})
    os.symlink(elsewhere, folder / "2026-11-16")
    with pytest.raises(DeliveryError, match="symbolic link: refused"):
        extract_centre(con, folder, load_dialect(folder / "centre.yaml"))
    assert con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0] == 0


def test_a_symlinked_centre_folder_is_refused(tmp_path: Path) -> None:
    real = write_centre(tmp_path / "real", "SYM", {}, {"2026-11-16": {"patients.csv": GOOD}})
    landing = tmp_path / "landing"
    landing.mkdir()
    os.symlink(real, landing / "SYM")
    with pytest.raises(DialectError, match="is a symbolic link: refused"):
        load_dialect(landing / "SYM" / "centre.yaml")


# --- YAML and dialect errors ---------------------------------------------------------------

def test_a_yaml_bomb_is_refused_before_anything_is_expanded(tmp_path: Path) -> None:
    folder = tmp_path / "BMB"
    folder.mkdir()
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = "centre_id: BMB\n" + "\n".join(levels) + "\n"
    assert len(bomb.encode()) < 1000
    (folder / "centre.yaml").write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(DialectError, match="anchors and aliases"):
        load_dialect(folder / "centre.yaml")
    assert time.perf_counter() - started < 1.0


def test_an_oversized_dialect_is_refused_unread(tmp_path: Path) -> None:
    folder = tmp_path / "BIG"
    folder.mkdir()
    (folder / "centre.yaml").write_text("centre_id: BIG\n# " + "x" * 300_000 + "\n")
    with pytest.raises(DialectError, match="bytes, more than"):
        load_dialect(folder / "centre.yaml")


@pytest.mark.parametrize(("config", "field"), [
    ({"encoding": "rot13"}, "encoding"),
    ({"encoding": "no-such-codec"}, "encoding"),
    ({"delimiter": ";;"}, "delimiter"),
    ({"date_format": "%Q"}, "date_format"),
    ({"quiet_period_seconds": "soon"}, "quiet_period_seconds"),
    ({"shrink_guard": {"max_patient_loss": 2}}, "shrink_guard.max_patient_loss"),
    ({"shrink_guard": {"max_typo": 0.1}}, "shrink_guard.max_typo"),
    ({"workbook": "../book.xlsx"}, "workbook"),
])
def test_dialect_errors_name_the_file_and_field(tmp_path: Path, config: dict,
                                                field: str) -> None:
    folder = write_centre(tmp_path, "DIA", config, {})
    with pytest.raises(DialectError) as exc:
        load_dialect(folder / "centre.yaml")
    assert exc.value.field == field
    assert f"field {field!r}" in str(exc.value) and "centre.yaml" in str(exc.value)


def test_shrink_limits_are_read_per_centre(tmp_path: Path) -> None:
    folder = write_centre(tmp_path, "SHR", {"shrink_guard": {"max_patient_loss": 0.5}}, {})
    limits = load_dialect(folder / "centre.yaml").shrink_limits
    assert limits["max_patient_loss"] == 0.5 and limits["max_quarantined_share"] == 0.2


# --- identifying values never in messages --------------------------------------------------

def test_a_headerless_file_names_no_value_in_its_error(tmp_path: Path,
                                                       con: duckdb.DuckDBPyConnection) -> None:
    headerless = b"P12345,male,1950-03-07,2020-01-01\nP12346,female,1951-01-01,2020-02-01\n"
    folder = write_centre(tmp_path / "landing", "HDR", {}, {
        "2026-11-16": {"patients.csv": headerless}})
    with pytest.raises(DeliveryError) as exc:
        extract_centre(con, folder, load_dialect(folder / "centre.yaml"))
    message = str(exc.value)
    assert "patients.csv" in message and "header line missing" in message
    for value in ("P12345", "1950-03-07", "male"):
        assert value not in message


# --- implausible dates ---------------------------------------------------------------------

def test_implausible_dates_are_quarantined_with_a_reason(tmp_path: Path,
                                                         con: duckdb.DuckDBPyConnection) -> None:
    patients = HEADER + (b"A1,male,1800-01-01,2020-01-01\n"      # born 1800
                         b"A2,female,1951-01-01,2200-02-01\n"    # diagnosed 2200
                         b"A3,male,1890-05-05,1950-01-01\n"      # before 1900
                         b"A4,female,1960-01-01,2020-01-01\n"    # good
                         b"A5,male,1960-01-01,2020-01-01\n")     # dies before birth
    followup = (b"patient_id,last_contact_date,vital_status,death_date\n"
                b"A4,2021-01-01,alive,\nA5,2021-01-01,dead,1959-01-01\n")
    folder = write_centre(tmp_path / "landing", "IMP", {}, {
        "2026-11-16": {"patients.csv": patients, "followup.csv": followup}})
    dialect = load_dialect(folder / "centre.yaml")
    extract_centre(con, folder, dialect)
    stage_centre(con, dialect)
    by_row = {f"{t}:{r}": (rule, reason) for t, r, rule, reason in con.execute(
        "SELECT table_name, source_row, rule, reason FROM quarantine.rows").fetchall()}
    assert by_row["patients:1"][0] == "implausible_date" and "1900" in by_row["patients:1"][1]
    assert by_row["patients:2"][0] == "implausible_date" and "export date" in by_row[
        "patients:2"][1]
    assert by_row["patients:3"][0] == "implausible_date"
    assert by_row["followup:2"][0] == "date_order" and "birth date" in by_row["followup:2"][1]
    assert "patients:4" not in by_row
    assert read_current_staging(con)["patients"]["patient_id"].tolist() == ["A4", "A5"]
    assert row_accounting(con)["balanced"].all()


# --- xlsx formulas without a saved value ---------------------------------------------------

def _workbook(cached: bool) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patient_id", "sex", "birth_date", "diagnosis_date"])
    ws.append(["X1", "male", "1950-01-01", "2020-01-01"])
    ws.append(["X2", "=\"fe\"&\"male\"", "1951-01-01", "2020-02-01"])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    # a spreadsheet saves the formula's value beside it: write one as such a program would
    return _with_saved_value_of_b3(data) if cached else data


def _with_saved_value_of_b3(book: bytes) -> bytes:
    """The workbook with cell B3's formula saved with its value ("female"), as a spreadsheet
    program writes it (openpyxl drops saved values on save)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                start = text.index('<c r="B3"')
                end = text.index("</c>", start) + 4
                text = (text[:start] + '<c r="B3" t="str"><f>"fe"&amp;"male"</f><v>female</v></c>'
                        + text[end:])
                body = text.encode()
            dst.writestr(item, body)
    return out.getvalue()


def test_a_formula_without_saved_value_quarantines_its_row_naming_the_cell(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    book = _workbook(cached=False)
    formulas_only = write_centre(tmp_path / "landing", "XLF", {"format": "xlsx"}, {
        "2026-11-16": {"export.xlsx": book}})
    # the only formula has no value: the workbook fails as a whole, telling to save values
    with pytest.raises(DeliveryError, match="none has a saved value.*save it"):
        extract_centre(con, formulas_only, load_dialect(formulas_only / "centre.yaml"))
    with pytest.raises(DeliveryError, match=r"file export\.xlsx: the workbook holds 1 formula"):
        read_xlsx_tables(formulas_only / "2026-11-16" / "export.xlsx",
                         load_dialect(formulas_only / "centre.yaml"), "2026-11-16")


def test_a_cached_formula_is_read_and_an_uncached_one_quarantined(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    from openpyxl import load_workbook

    cached = _workbook(cached=True)
    wb = load_workbook(io.BytesIO(cached))
    ws = wb["patients"]
    ws.append(["X3", "=\"ma\"&\"le\"", "1952-01-01", "2020-03-01"])   # no saved value
    buffer = io.BytesIO()
    wb.save(buffer)
    # openpyxl drops saved values on save: restore B3's, leave B4 without one
    book = _with_saved_value_of_b3(buffer.getvalue())
    folder = write_centre(tmp_path / "landing", "XLC", {"format": "xlsx"}, {
        "2026-11-16": {"export.xlsx": book}})
    dialect = load_dialect(folder / "centre.yaml")
    extract_centre(con, folder, dialect)
    stage_centre(con, dialect)
    current = read_current_staging(con)["patients"]
    assert dict(zip(current["patient_id"], current["sex"], strict=True)) == {
        "X1": "male", "X2": "female"}
    quarantined = _quarantine(con)
    assert len(quarantined) == 1
    row, column, rule, reason = quarantined[0]
    assert (row, column, rule) == (3, "(formula)", "formula_without_value")
    assert "B4" in reason and "saved value" in reason


def test_new_problems_are_the_messages_of_this_refresh(tmp_path: Path,
                                                       con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.bookkeeping import new_delivery_problems

    landing = tmp_path / "landing"
    folder = write_centre(landing, "NEW", {}, {
        "2026-05-04": {"patients.csv": GOOD},
        "2026-08-01": {"patients.csv": b""},                                    # no row
        "2026-09-01": {"patients.csv": GOOD + b"A3,male,19"}})                  # a row
    (folder / "latest").mkdir()
    with pytest.raises(DeliveryError):
        extract_centre(con, folder, load_dialect(folder / "centre.yaml"), refresh_id="r1")
    messages = new_delivery_problems(con, "NEW", "r1")
    assert len(messages) == 3 and new_delivery_problems(con, "NEW", "r2") == []
    assert any("delivery 2026-09-01, file patients.csv, row 3: file is truncated" in m
               for m in messages)
    assert any("delivery 2026-08-01, file patients.csv: file is empty" in m for m in messages)
    assert any("delivery latest, file (delivery folder): folder is not a delivery" in m
               for m in messages)
