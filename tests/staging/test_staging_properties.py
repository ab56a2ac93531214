"""Property tests of the parsers: typing never raises and loses nothing; CSV text round-trips."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction.readers import read_csv_table
from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect
from schemas.staging import type_column

KINDS = {"text": "karyotype", "code": "sex", "date": "birth_date", "int": "line",
         "number": "vaf", "bool": "detected"}
DIALECTS = st.builds(
    CentreDialect, centre_id=st.just("PRP"), name=st.just("P"), country=st.just("FR"),
    decimal=st.sampled_from([".", ","]),
    date_format=st.sampled_from(["iso", "%d/%m/%Y", "%Y%m%d"]),
    missing=st.sampled_from([("", "NA"), ("", "ND", "NR", ".")]),
    units=st.sampled_from([{}, {"vaf": "percent"}]),
    values=st.sampled_from([{}, {"sex": {"F": "female", "M": "male"},
                                 "detected": {"oui": "true", "non": "false"}}]))
CELLS = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "NA", " 12 ", "1,5", "1.5", "-3", "2020-02-30", "2020-02-28", "28/02/2020",
     "20200228", "oui", "true", "F", "1e3", "nan", "inf", "١٢"])), max_size=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=CELLS, kind=st.sampled_from(sorted(KINDS)), dialect=DIALECTS)
def test_type_column_never_raises_and_loses_nothing(cells: list[str], kind: str,
                                                    dialect: CentreDialect) -> None:
    text = pd.Series(cells, dtype=object)
    rows = pd.Series(range(1, len(cells) + 1), dtype="int64")
    values, issues = type_column(text, kind, KINDS[kind], dialect, rows)
    assert len(values) == len(cells)
    stripped = text.astype(str).str.strip()
    missing = stripped.isin(list(dialect.missing)).to_numpy()
    typed = pd.Series(values).notna().to_numpy()
    reported = rows.isin(set(issues["source_row"])).to_numpy()
    # a missing marker is never typed; every other value is typed or reported
    assert not (missing & typed).any()
    assert ((~missing) <= (typed | reported)).all()
    assert set(issues["source_row"]) <= set(rows)


ALPHABETS = {"utf-8": st.characters(blacklist_categories=("Cs",)),
             "cp1252": st.characters(codec="cp1252")}


@settings(max_examples=60, deadline=None)
@given(data=st.data(), delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "cp1252"]),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_csv_reader_round_trips_text(data: st.DataObject, delimiter: str, encoding: str,
                                     newline: str) -> None:
    columns = CANONICAL_TABLES["mutations"].column_names
    cell = st.text(ALPHABETS[encoding], max_size=8).filter(
        lambda s: "\x00" not in s and "\r" not in s and "\n" not in s)
    rows = data.draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns))
                              .filter(lambda r: any(c.strip() for c in r)), max_size=6))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(columns)
    writer.writerows(rows)
    dialect = CentreDialect("PRP", "P", "FR", delimiter=delimiter, encoding=encoding)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutations.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        table = read_csv_table(path, "mutations", dialect, "2026-11-16")
    assert table.rows == len(rows)
    got = table.frame[columns].fillna("").to_numpy().tolist()
    assert got == rows
