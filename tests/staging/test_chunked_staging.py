"""Staging in chunks of rows gives exactly what staging a whole delivery in memory gives.

Source: issue 18 ("stream large files: memory must not grow with file size"): staging types
and validates a delivery ``chunk_rows`` source rows at a time and runs the rules that need a
whole table (repeated keys, cross-table) afterwards. On a generated registry with defects,
a tiny chunk (7 rows: keys repeated across chunks, children and patients in different
chunks) and one chunk per table must write the same staging rows and the same quarantine
rows (rule, column, value, reason, order) as :func:`extraction.stage.stage_delivery`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import stage_centre, stage_delivery
from extraction.stage_chunks import QUARANTINE_SCHEMA, staging_arrow_schema, to_arrow
from schemas.canonical import TABLE_NAMES
from schemas.dialect import discover_centres, load_dialect
from schemas.staging import QUARANTINE_COLUMNS
from synthetic_registry import generate_registry
from warehouse.database import Warehouse, query_frame

SEED = 2018
PATIENTS = 160
DEFECT_RATE = 0.05

#: each xdist worker builds the registry at most once: the fixture is session-scoped, because
#: (measured with pytest 9.2, pytest-xdist 3.8) the group does not keep these tests on one
#: worker, and other modules run between them there
pytestmark = pytest.mark.xdist_group("chunked_staging")


def _tables(con) -> dict[str, pd.DataFrame]:  # noqa: ANN001
    """Every staging table and the quarantine rows, in the order they are stored."""
    out = {t: con.execute(f"SELECT * FROM staging.{t} ORDER BY rowid").df() for t in TABLE_NAMES}
    out["quarantine"] = con.execute(
        "SELECT * EXCLUDE (quarantined_at) FROM quarantine.rows ORDER BY rowid").df()
    return out


@pytest.fixture(scope="session")
def staged_three_ways(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("chunked")
    generate_registry(root / "landing", seed=SEED, patients=PATIENTS, defect_rate=DEFECT_RATE)
    centres = {c: load_dialect(f / "centre.yaml")
               for c, f in discover_centres(root / "landing").items()}
    extracted = []
    with Warehouse(root / "tiny").connect() as con:
        for centre_id, dialect in centres.items():
            try:
                extract_centre(con, root / "landing" / centre_id, dialect)
            except DeliveryError:
                continue
            extracted.append(centre_id)
    shutil.copytree(root / "tiny", root / "one")
    # the reference: each delivery staged whole in memory, from the same raw rows
    expected: dict[str, list[pd.DataFrame]] = {t: [] for t in [*TABLE_NAMES, "quarantine"]}
    with Warehouse(root / "tiny").connect() as con:
        for centre_id in extracted:
            deliveries = query_frame(con, "raw/centre_deliveries", [centre_id])["delivery"]
            for delivery in deliveries:
                raw = {t: query_frame(con, "raw/delivery_rows", [centre_id, delivery], table=t)
                       for t in TABLE_NAMES}
                staged = stage_delivery(raw, centres[centre_id])
                for table, st in staged.items():
                    expected[table].append(to_arrow(st.typed, table).to_pandas())
                expected["quarantine"].append(pd.concat(
                    [st.quarantine for st in staged.values() if len(st.quarantine)]
                    or [pd.DataFrame(columns=QUARANTINE_COLUMNS)], ignore_index=True))
    out = {"expected": {t: pd.concat(f, ignore_index=True) for t, f in expected.items()}}
    for name, chunk in (("tiny", 7), ("one", 10 ** 9)):
        with Warehouse(root / name).connect() as con:
            for centre_id in extracted:
                stage_centre(con, centres[centre_id], chunk_rows=chunk)
            out[name] = _tables(con)
            out[f"{name}_schemas"] = {r[0] for r in con.execute(
                "SELECT schema_name FROM duckdb_schemas()").fetchall()}
    return out


def test_tiny_chunks_equal_one_chunk(staged_three_ways: dict) -> None:
    for name, frame in staged_three_ways["one"].items():
        pd.testing.assert_frame_equal(staged_three_ways["tiny"][name], frame, obj=name)
        assert len(frame) or name != "quarantine"


def test_chunks_equal_the_whole_delivery_in_memory(staged_three_ways: dict) -> None:
    """Same rows, same values and types, same order as staging each delivery whole."""
    expected, tiny = staged_three_ways["expected"], staged_three_ways["tiny"]
    schema = QUARANTINE_SCHEMA.remove(QUARANTINE_SCHEMA.get_field_index("quarantined_at"))
    for table in [*TABLE_NAMES, "quarantine"]:
        target = schema if table == "quarantine" else staging_arrow_schema(table)
        want = pa.Table.from_pandas(expected[table], schema=target, preserve_index=False)
        got = pa.Table.from_pandas(tiny[table][target.names], preserve_index=False)
        got = got.cast(target) if table == "quarantine" else pa.Table.from_pandas(
            tiny[table][target.names].astype({f.name: "Int64" for f in target
                                              if f.type == pa.int64()}),
            schema=target, preserve_index=False)
        assert got.num_rows == want.num_rows, table
        assert got.equals(want), table


def test_the_defects_exercise_the_whole_table_rules(staged_three_ways: dict) -> None:
    q = staged_three_ways["tiny"]["quarantine"]
    rules = set(q["rule"])
    assert {"unique_key", "patient_exists", "date_order"} <= rules, rules
    # a repeated key found beside a row's own issues is appended to its reason
    assert (q["n_issues"] > 1).any()


def test_no_scratch_schema_is_left(staged_three_ways: dict) -> None:
    assert "scratch" not in staged_three_ways["tiny_schemas"]
    assert "scratch" not in staged_three_ways["one_schemas"]


def test_chunk_size_must_be_positive(tmp_path: Path) -> None:
    from extraction.stage_chunks import stage_to_scratch

    generate_registry(tmp_path / "landing", seed=1, patients=20)
    folder = next(iter(discover_centres(tmp_path / "landing").values()))
    dialect = load_dialect(folder / "centre.yaml")
    with Warehouse(tmp_path / "wh").connect() as con, pytest.raises(ValueError,
                                                                    match="positive"):
        stage_to_scratch(con, dialect, "2026-01-01", chunk_rows=0)


def test_the_chunk_size_is_configured_by_the_environment(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from extraction.stage_chunks import CHUNK_ROWS, CHUNK_ROWS_ENV, configured_chunk_rows

    monkeypatch.delenv(CHUNK_ROWS_ENV, raising=False)
    assert configured_chunk_rows() == CHUNK_ROWS
    monkeypatch.setenv(CHUNK_ROWS_ENV, "1234")
    assert configured_chunk_rows() == 1234
    for bad in ("0", "-5", "1e4", "many"):
        monkeypatch.setenv(CHUNK_ROWS_ENV, bad)
        with pytest.raises(ValueError, match=CHUNK_ROWS_ENV):
            configured_chunk_rows()
