"""Property: any table of the analysts' file survives the CSV export value for value.

Text (any Unicode, commas, quotes, line breaks; not the literal ``NA``, which is the missing
marker), integers, doubles, booleans (as 1/0), dates (ISO) and missing values, read back
with pyarrow's CSV reader as R's read.csv would read them (``NA`` = missing)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse.database import run_sql
from warehouse.export import export_registry

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
               max_size=12).filter(lambda s: s.strip() not in ("NA", "") and s == s.strip())
ROW = st.tuples(st.none() | TEXT, st.none() | st.integers(-2**62, 2**62),
                st.none() | st.floats(allow_nan=False, allow_infinity=False, width=64),
                st.none() | st.booleans(), st.none() | st.dates(dt.date(1900, 1, 1),
                                                                  dt.date(2100, 12, 31)))


def _database(path: Path, rows: list[tuple]) -> None:
    con = duckdb.connect(str(path))
    try:
        for schema in ("analysis", "meta"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute("CREATE TABLE analysis.sample (row_id INTEGER, label VARCHAR, count BIGINT, "
                    "share DOUBLE, flag BOOLEAN, day DATE)")
        if rows:
            con.executemany("INSERT INTO analysis.sample (row_id, label, count, share, flag, "
                            "day) VALUES (?, ?, ?, ?, ?, ?)",
                            [(i, *r) for i, r in enumerate(rows)])
        con.execute("CREATE TABLE meta.refreshes AS SELECT 'r1' AS refresh_id, 'v1' AS "
                    "code_version, now() AS started_at, now() AS finished_at, true AS published")
        run_sql(con, "publish/data_dictionary")
    finally:
        con.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=15))
def test_csv_export_round_trips(rows, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("prop")
    _database(folder / "registry.duckdb", rows)
    out = export_registry(folder / "registry.duckdb", folder / "out", "csv", ["analysis"]).out
    types = {"row_id": pa.int64(), "label": pa.string(), "count": pa.int64(),
             "share": pa.float64(), "flag": pa.int8(), "day": pa.date32()}
    table = pacsv.read_csv(out / "analysis" / "sample.csv", convert_options=pacsv.ConvertOptions(
        null_values=["NA"], strings_can_be_null=True, column_types=types))
    assert table.num_rows == len(rows)
    got = sorted(zip(*(table[c].to_pylist() for c in types), strict=True))
    for (row_id, label, count, share, flag, day), want in zip(got, rows, strict=True):
        assert (label, count, day) == (want[0], want[1], want[4]), row_id
        assert flag == (None if want[3] is None else int(want[3]))
        assert (share is None and want[2] is None) or math.isclose(share, want[2], rel_tol=0,
                                                                   abs_tol=0)
