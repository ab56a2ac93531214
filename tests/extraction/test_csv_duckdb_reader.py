"""Raw loading of CSV files by DuckDB's own CSV reader (issue 16) with streamed hashing,
decoding and transcoding (issue 18): the rows, row numbers, field counts and messages of the
pandas reader it replaced."""

from __future__ import annotations

import codecs
import hashlib
import json
import tempfile
from pathlib import Path
from unittest.mock import patch

import duckdb
import pytest
from extraction_support import load_all, write_centre
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction import csv_source
from extraction.errors import DeliveryError
from extraction.readers import read_csv_table
from schemas.dialect import CentreDialect

HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"
ROW = b"S%d,male,1951-02-03,2020-06-15\n"
MUTATIONS = b"patient_id,gene,detected,vaf\n"


def _rows(*numbers: int) -> bytes:
    return b"".join(ROW % n for n in numbers)


def _one_centre(tmp_path: Path, patients: bytes, config: dict | None = None) -> Path:
    encoding = (config or {}).get("encoding", "utf-8")
    return write_centre(tmp_path / "landing", "CSV", config or {}, {"2026-11-16": {
        "patients.csv": patients, "mutations.csv": MUTATIONS.decode().encode(encoding)}})


@pytest.mark.parametrize(("body", "row", "fields"), [
    # one field too many (an empty one: DuckDB's strict mode alone would drop it silently)
    (_rows(1, 2) + b"\n\n   \n" + b"S3,male,1951-02-03,2020-06-15,\n" + _rows(4), 3, 5),
    # two non-empty fields too many: rejected by DuckDB's strict mode, row found past blanks
    (_rows(1) + b"\n\t\n" + _rows(2) + b"S3,male,1951-02-03,2020-06-15,x,y\n", 3, 6),
    # a quoted line end before it: rows count records, not lines
    (b'S1,"fe\nmale",1950-02-03,2020-06-15\n' + _rows(2) + b"S3,a,b,c,d\n", 3, 5),
])
def test_a_record_with_more_fields_than_the_header_names_its_row(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, body: bytes, row: int,
        fields: int) -> None:
    _one_centre(tmp_path, HEADER + body)
    _, _, failures = load_all(con, tmp_path / "landing")
    error = failures["CSV"]
    assert (error.file, error.row) == ("patients.csv", row)
    assert f"the record has {fields} fields but the header has 4" in str(error)
    assert con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0] == 0  # rolled back


def test_a_quoted_value_never_closed_fails_naming_its_row(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's reader ends such a record silently (the rest of the file would be lost)."""
    _one_centre(tmp_path, HEADER + _rows(1) + b'S2,"male,1951-02-03,2020-06-15\n' + _rows(3))
    _, _, failures = load_all(con, tmp_path / "landing")
    error = failures["CSV"]
    assert (error.file, error.row) == ("patients.csv", 2)
    assert "never closed" in str(error) and "delimiter ','" in str(error)


def test_a_quote_inside_an_unquoted_value_is_text(tmp_path: Path) -> None:
    """An odd number of quotes is not by itself an error: a quote inside an unquoted value
    is kept as text, as the C parser kept it."""
    path = tmp_path / "mutations.csv"
    path.write_bytes(MUTATIONS + b'P1,NPM1,true,5" tall\nP2,FLT3,false,0.1\n')
    frame = read_csv_table(path, "mutations", CentreDialect("Q", "Q", "FR"), "2026-11-16").frame
    assert frame["vaf"].tolist() == ['5" tall', "0.1"]
    assert frame["source_row"].tolist() == [1, 2]


def test_unknown_columns_are_kept_as_python_writes_their_json(tmp_path: Path) -> None:
    """Only cells holding a value (not blank, not a missing marker) are kept, keys in source
    order; the JSON text is json.dumps's (it is quoted in the quarantine reason)."""
    values = ['dit "oui"', "a\\b", "Gène: ≥ 5 %", "tab\there", "ctrl\x01x"]
    header = "patient_id,sex,birth_date,diagnosis_date,note,remarque,extra\n"
    lines = [f'P{i},male,1950-01-01,2020-01-01,"{v.replace(chr(34), chr(34) * 2)}",'
             f"\u00a0,ND\n" for i, v in enumerate(values)]
    lines.append("P9,male,1950-01-01,2020-01-01,,  ,ok\n")
    path = tmp_path / "patients.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    dialect = CentreDialect("Q", "Q", "FR", missing=("", "ND"))
    frame = read_csv_table(path, "patients", dialect, "2026-11-16").frame
    expected = [json.dumps({"note": v}, ensure_ascii=False) for v in values]
    expected.append(json.dumps({"extra": "ok"}, ensure_ascii=False))
    assert frame["unmapped"].tolist() == expected


def test_streamed_sha256_is_the_files(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    data = HEADER + _rows(*range(1, 50))
    _one_centre(tmp_path, data)
    load_all(con, tmp_path / "landing")
    stored = con.execute("SELECT file_sha256 FROM raw.files WHERE table_name = 'patients'"
                         ).fetchone()[0]
    assert stored == hashlib.sha256(data).hexdigest()
    assert set(con.execute("SELECT DISTINCT file_sha256 FROM raw.patients").fetchall()) == {
        (stored,)}


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252", "utf-8-sig"])
def test_other_encodings_are_transcoded_and_the_copy_removed(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, encoding: str) -> None:
    text = ("patient_id,sex,birth_date,diagnosis_date,note\r\n"
            "É1,male,1951-02-03,2020-06-15,crème brûlée\r\nÉ2,female,1952-02-03,2020-07-15,\r\n")
    _one_centre(tmp_path, text.encode(encoding), {"encoding": encoding})
    _, _, failures = load_all(con, tmp_path / "landing")
    assert not failures
    assert con.execute("SELECT patient_id, unmapped FROM raw.patients ORDER BY source_row"
                       ).fetchall() == [("É1", '{"note": "crème brûlée"}'), ("É2", None)]
    work = Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                            "current_database()").fetchone()[0]).parent
    assert not list(work.glob(".csv-copies-*")), "a UTF-8 copy of a delivered file was left"


def _decode_failure(data: bytes, encoding: str) -> tuple[int, int | None] | None:
    """(offset, row) of the first undecodable byte, decoding the whole file at once."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n")
        return exc.start, line or None
    return None


#: characters every sampled encoding can write (cp1252's below 256: latin-1's too)
CELL = st.text(st.characters(codec="cp1252", max_codepoint=255,
                             exclude_characters='\r\n",;\x00'), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=8),
       encoding=st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1"]),
       block=st.integers(1, 64), bad=st.one_of(st.none(), st.integers(0, 10_000)),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_decoding_in_blocks_reads_and_fails_like_decoding_the_whole_file(
        rows: list[list[str]], encoding: str, block: int, bad: int | None,
        newline: str) -> None:
    """Any block size gives the rows of the whole text, and an undecodable byte the offset
    and row that decoding the whole file gives."""
    text = "patient_id;gene;detected;vaf" + newline + "".join(
        ";".join(r) + newline for r in rows)
    data = text.encode(encoding)
    if bad is not None:
        bad_byte = {"utf-8": b"\xff", "cp1252": b"\x81", "utf-16": b"\x00\xdc",
                    "latin-1": b""}[encoding]
        cut = bad % (len(data) + 1)
        data = data[:cut] + bad_byte + data[cut:]
    dialect = CentreDialect("BLK", "B", "FR", delimiter=";", encoding=encoding)
    expected_failure = _decode_failure(data, encoding)
    with tempfile.TemporaryDirectory() as tmp, patch.object(csv_source, "BLOCK_BYTES", block):
        path = Path(tmp) / "mutations.csv"
        path.write_bytes(data)
        try:
            table = read_csv_table(path, "mutations", dialect, "2026-11-16")
        except DeliveryError as exc:
            if exc.problem.startswith("cannot decode the file as"):
                # a UTF-16 stream without byte order mark: refused (decoding it whole would
                # guess the byte order and read garbage)
                assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                return
            if "cannot decode" not in exc.problem:
                assert expected_failure is not None or bad is not None  # a cut header, ...
                return
            assert expected_failure is not None, exc
            offset, row = expected_failure
            assert f"at offset {offset} " in exc.problem and exc.row == row
            return
    assert expected_failure is None
    if bad is None:
        got = table.frame[["patient_id", "gene", "detected", "vaf"]].fillna("").to_numpy()
        kept = [r for r in rows if any(c.strip(" \t") for c in r) or len(r) > 1]
        assert got.tolist() == kept
        assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_a_record_fault_is_reported_before_a_header_fault(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A headerless file cut at its end fails as truncated (as the pandas reader reported
    it); without the cut, as a file missing its header line."""
    headerless = _rows(1, 2)
    _one_centre(tmp_path, headerless + b"S3,male,19")
    _, _, failures = load_all(con, tmp_path / "landing")
    assert "file is truncated" in str(failures["CSV"]) and failures["CSV"].row == 2
    _one_centre(tmp_path / "other", headerless)
    _, _, failures = load_all(con, tmp_path / "other" / "landing")
    assert "missing required column" in str(failures["CSV"])
