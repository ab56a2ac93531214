"""Staging one delivery in chunks of source rows, so that memory does not grow with it.

Source: issue 18 ("a 200 MB CSV refreshed with 13 GB peak memory: stream large files") and
../shared/spec/architecture.md (raw -> staging -> quarantine). Each chunk of a raw table
(``chunk_rows`` source rows, in source order) is typed and validated alone
(:func:`schemas.staging.stage_rows`) and written to a scratch schema of the working
database: the typed rows with a flag "quarantined" and their key as one text, the
quarantined rows with their reason. The rules that need a whole table need only keys and a
few dates, so they run afterwards: repeated keys over the rows whose key repeats
(:func:`schemas.staging.duplicate_issues`), then the cross-table rules table by table in
chunks (:mod:`schemas.cross_table`) against the delivery's patients and first transplants.
The result is the one :func:`extraction.stage.stage_delivery` gives for the whole delivery
in memory: the same staged rows, quarantine rows (rule, column, value, reason) and order.
The caller then moves the scratch rows into staging and quarantine inside the delivery's
transaction (:func:`commit_scratch`) or keeps only their counts (a held re-send).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from extraction.shrink import DeliverySize
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES, cast_canonical
from schemas.cross_table import CHILD_TABLES, child_rules, first_transplants, patient_rules
from schemas.dialect import CentreDialect
from schemas.staging import (
    QUARANTINE_COLUMNS,
    duplicate_issues,
    key_encoding,
    quarantine_by_rule,
    quarantine_rows,
    stage_rows,
)
from warehouse.database import query_frame, run_sql, write_frame

#: source rows typed and validated at a time (memory is bounded by a chunk, not a file)
CHUNK_ROWS = 50_000
#: the environment variable that sets it for a refresh
CHUNK_ROWS_ENV = "AML_REGISTRY_STAGING_CHUNK_ROWS"


def configured_chunk_rows() -> int:
    """The staging chunk size: ``AML_REGISTRY_STAGING_CHUNK_ROWS`` when set, else
    :data:`CHUNK_ROWS`."""
    text = os.environ.get(CHUNK_ROWS_ENV, "").strip()
    if not text:
        return CHUNK_ROWS
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{CHUNK_ROWS_ENV} must be a positive whole number of rows, "
                         f"not {text!r}")
    return int(text)

_ARROW = {"text": pa.string(), "code": pa.string(), "date": pa.date32(), "int": pa.int64(),
          "number": pa.float64(), "bool": pa.bool_()}


def staging_arrow_schema(table: str) -> pa.Schema:
    """Typed staging columns: lineage then the canonical columns with their types."""
    fields = [pa.field("centre_id", pa.string()), pa.field("delivery", pa.string()),
              pa.field("file", pa.string()), pa.field("source_row", pa.int64())]
    fields += [pa.field(c.name, _ARROW[c.kind]) for c in CANONICAL_TABLES[table].columns]
    return pa.schema(fields)


QUARANTINE_SCHEMA = pa.schema([
    pa.field("centre_id", pa.string()), pa.field("delivery", pa.string()),
    pa.field("table_name", pa.string()), pa.field("file", pa.string()),
    pa.field("source_row", pa.int64()), pa.field("column_name", pa.string()),
    pa.field("value", pa.string()), pa.field("rule", pa.string()),
    pa.field("reason", pa.string()), pa.field("n_issues", pa.int64()),
    pa.field("quarantined_at", pa.timestamp("us")),
])
#: scratch.quarantine: quarantine.rows without the load time, with the order rows were found
#: in (table, rule step: 0 the table's own rules, 1.. each cross-table rule)
SCRATCH_QUARANTINE_SCHEMA = pa.schema(
    [f for f in QUARANTINE_SCHEMA if f.name != "quarantined_at"]
    + [pa.field("table_order", pa.int64()), pa.field("phase", pa.int64())])


def to_arrow(typed: pd.DataFrame, table: str) -> pa.Table:
    """Typed staging rows as Arrow with the staging schema (dates cast in Arrow, not Python)."""
    schema = staging_arrow_schema(table)
    dates = [f.name for f in schema if f.type == pa.date32()]
    as_timestamps = pa.schema([pa.field(f.name, pa.timestamp("ns")) if f.name in dates else f
                               for f in schema])
    arrow = pa.Table.from_pandas(typed[[f.name for f in schema]], schema=as_timestamps,
                                 preserve_index=False)
    return arrow.cast(schema)


@dataclass
class ScratchStaging:
    """One delivery staged into the scratch schema: its size and counts."""

    centre_id: str
    delivery: str
    size: DeliverySize
    #: table -> (staged rows, quarantined rows)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: rule -> quarantined rows
    reasons: dict[str, int] = field(default_factory=dict)


def _quarantine_frame(q: pd.DataFrame, table: str, phase: int) -> pa.Table:
    q = q[QUARANTINE_COLUMNS].assign(table_order=TABLE_NAMES.index(table), phase=phase)
    return pa.Table.from_pandas(q, schema=SCRATCH_QUARANTINE_SCHEMA, preserve_index=False)


def _mark_quarantined(con: duckdb.DuckDBPyConnection, table: str, rows: list) -> None:
    con.register("_moved_rows", pa.table({"source_row": pa.array(rows, pa.int64())}))
    try:
        run_sql(con, "staging/chunk_mark_quarantined", table=table)
    finally:
        con.unregister("_moved_rows")


def _prepare_scratch(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS scratch")
    for table in TABLE_NAMES:
        empty = staging_arrow_schema(table).empty_table().append_column(
            "_quarantined", pa.array([], pa.bool_())).append_column(
            "_key", pa.array([], pa.string()))
        write_frame(con, f"scratch.{table}", empty, replace=True)
    write_frame(con, "scratch.quarantine", SCRATCH_QUARANTINE_SCHEMA.empty_table(),
                replace=True)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the scratch schema (after the delivery was committed or held)."""
    con.execute("DROP SCHEMA IF EXISTS scratch CASCADE")


def _chunks(con: duckdb.DuckDBPyConnection, centre: str, delivery: str, table: str,
            chunk_rows: int) -> list[tuple[int, int]]:
    """The source-row ranges [lo, hi) of a raw table's chunks (each non-empty)."""
    ranges, lo = [], None
    params = {"centre_id": centre, "delivery": delivery}
    while True:
        start = run_sql(con, "staging/chunk_bounds", {**params, "lo": lo if lo is not None
                                                      else -(2 ** 62)}, table=table).fetchone()
        if start is None or start[0] is None:
            return ranges
        ranges.append((int(start[0]), int(start[0]) + chunk_rows))
        lo = int(start[0]) + chunk_rows


def stage_to_scratch(con: duckdb.DuckDBPyConnection, dialect: CentreDialect, delivery: str,
                     chunk_rows: int = CHUNK_ROWS) -> ScratchStaging:
    """Type, validate and cross-check one raw delivery into the scratch schema by chunks."""
    if chunk_rows < 1:
        raise ValueError(f"the staging chunk size must be a positive number of rows, "
                         f"not {chunk_rows}")
    centre = dialect.centre_id
    _prepare_scratch(con)
    ranges: dict[str, list[tuple[int, int]]] = {}
    raw_rows = 0
    for table in TABLE_NAMES:
        ranges[table] = _chunks(con, centre, delivery, table, chunk_rows)
        table_rows = 0
        for lo, hi in ranges[table]:
            raw = query_frame(con, "staging/chunk_raw_rows", {
                "centre_id": centre, "delivery": delivery, "lo": lo, "hi": hi}, table=table)
            table_rows += len(raw)
            st = stage_rows(raw, table, dialect)
            bad = st.typed["source_row"].isin(st.quarantine["source_row"])
            arrow = to_arrow(st.typed, table).append_column(
                "_quarantined", pa.array(bad.to_numpy(), pa.bool_())).append_column(
                "_key", pa.array(key_encoding(st.typed, table).to_numpy(), pa.string()))
            write_frame(con, f"scratch.{table}", arrow)
            if len(st.quarantine):
                write_frame(con, "scratch.quarantine", _quarantine_frame(st.quarantine, table, 0))
            del raw, st, arrow
        raw_rows += table_rows
        _repeated_keys(con, centre, delivery, table, table_rows, chunk_rows)
    _cross_table(con, centre, delivery, ranges)
    return _summary(con, centre, delivery, raw_rows)


def _repeated_keys(con: duckdb.DuckDBPyConnection, centre: str, delivery: str,
                   table: str, n_rows: int, chunk_rows: int) -> None:
    """The duplicate-key rule over the whole table: only rows whose key may repeat are read
    (counted in parts of about four chunks of keys each)."""
    parts = max(1, -(-n_rows // (4 * chunk_rows)))
    found = [query_frame(con, "staging/chunk_repeated_keys", {"parts": parts, "part": p},
                         table=table) for p in range(parts)]
    found = [f for f in found if len(f)]
    if not found:
        return
    rows = pd.concat(found, ignore_index=True).sort_values("source_row", kind="stable")
    rows = rows.reset_index(drop=True)
    cast_canonical(rows, table)
    issues = duplicate_issues(rows, table)
    if issues.empty:
        return
    file_by_row = dict(zip(rows["source_row"], rows["file"], strict=True))
    q = quarantine_rows(issues, centre, delivery, table, file_by_row)
    con.register("_duplicate_rows", _quarantine_frame(q, table, 0))
    try:
        run_sql(con, "staging/chunk_merge_duplicates")
    finally:
        con.unregister("_duplicate_rows")
    _mark_quarantined(con, table, q["source_row"].tolist())


def _cross_table(con: duckdb.DuckDBPyConnection, centre: str, delivery: str,
                 ranges: dict[str, list[tuple[int, int]]]) -> None:
    """The cross-table rules, table by table in chunks: patients first, then transplants
    (their first dates), then the other child tables."""
    params = {"centre_id": centre, "delivery": delivery}
    patients = first_hsct = None
    rejected: set[str] = set()
    for table in ("patients", "transplants", *[t for t in CHILD_TABLES if t != "transplants"]):
        if table != "patients" and patients is None:
            patients = cast_canonical_keys(query_frame(con, "staging/chunk_patient_keys"))
            ids = query_frame(con, "staging/chunk_rejected_patients", params)["patient_id"]
            rejected = set(ids.astype(object).str.strip())
        for lo, hi in ranges[table]:
            typed = query_frame(con, "staging/chunk_staged_rows", {"lo": lo, "hi": hi},
                                table=table)
            if typed.empty:
                continue
            cast_canonical(typed, table)
            moved: list[pd.DataFrame] = []
            # the chunk's verbatim text, read only when a rule moves one of its rows (the
            # reasons quote the value as written)
            source: dict[str, pd.DataFrame] = {}

            def move(tbl: str, frame: pd.DataFrame, mask: pd.Series, column: str, rule: str,
                     detail: str | pd.Series, step: int, lo: int = lo, hi: int = hi,
                     chunk_table: str = table, source: dict[str, pd.DataFrame] = source,
                     moved: list[pd.DataFrame] = moved) -> None:
                if "rows" not in source:  # the rules move only when a row fails
                    source["rows"] = query_frame(
                        con, "staging/chunk_raw_rows", {**params, "lo": lo, "hi": hi},
                        table=chunk_table).set_index("source_row", drop=False)
                q = quarantine_by_rule(frame, mask, tbl, column, rule, detail,
                                       source.get("rows"))
                moved.append(q.assign(phase=step))

            if table == "patients":
                patient_rules(typed, move)
            else:
                child_rules(table, typed, patients, first_hsct, rejected, move)
            for q in moved:
                write_frame(con, "scratch.quarantine",
                            _quarantine_frame(q, table, int(q["phase"].iloc[0])))
                _mark_quarantined(con, table, q["source_row"].tolist())
            del typed, source, moved
        if table == "transplants":
            first_hsct = first_transplants(cast_canonical_keys(
                query_frame(con, "staging/chunk_transplant_keys")))


def cast_canonical_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Keys as text and dates as datetime64[ns], as the cross-table rules compare them."""
    for col in frame.columns:
        if col.endswith("_date"):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        else:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _summary(con: duckdb.DuckDBPyConnection, centre: str, delivery: str,
             raw_rows: int) -> ScratchStaging:
    row = query_frame(con, "staging/chunk_metrics").iloc[0]
    size = DeliverySize(int(row.patients), int(row.deaths), int(row.relapses),
                        int(row.transplants), int(row.gvhd_episodes), raw_rows,
                        int(row.quarantined_rows))
    out = ScratchStaging(centre, delivery, size)
    for table in TABLE_NAMES:
        staged, quarantined = run_sql(con, "staging/chunk_table_counts",
                                      table=table).fetchone()
        out.counts[table] = (int(staged), int(quarantined))
    reasons = query_frame(con, "staging/chunk_reasons")
    out.reasons = {str(r): int(n) for r, n in zip(reasons["rule"], reasons["n"], strict=True)}
    return out


def commit_scratch(con: duckdb.DuckDBPyConnection, centre: str, delivery: str,
                   now: dt.datetime, chunk_rows: int = CHUNK_ROWS) -> None:
    """The scratch rows replace the delivery's staging and quarantine rows (call inside the
    delivery's transaction)."""
    for table in TABLE_NAMES:
        run_sql(con, "staging/chunk_create_staging_table", table=table)
        run_sql(con, "staging/chunk_delete_delivery", {"centre_id": centre,
                                                        "delivery": delivery},
                target=f"staging.{table}")
        run_sql(con, "staging/chunk_insert_staging_table", table=table)
    write_scratch_quarantine(con, "quarantine.rows", now, replace=(centre, delivery),
                             chunk_rows=chunk_rows)


def write_scratch_quarantine(con: duckdb.DuckDBPyConnection, target: str, now: dt.datetime,
                             replace: tuple[str, str] | None = None,
                             chunk_rows: int = CHUNK_ROWS) -> None:
    """The scratch quarantine rows into ``target`` (quarantine.rows or .held_rows), after
    deleting the rows of ``replace`` (centre, delivery) when given; sorted ``chunk_rows``
    source rows at a time."""
    run_sql(con, "staging/chunk_create_quarantine_table", target=target)
    if replace is not None:
        run_sql(con, "staging/chunk_delete_delivery", {"centre_id": replace[0],
                                                        "delivery": replace[1]}, target=target)
    groups = query_frame(con, "staging/chunk_quarantine_groups")
    for g in groups.itertuples():
        lo, hi = int(g.lo), int(g.hi) + 1
        step = hi - lo if g.n <= chunk_rows else chunk_rows
        for start in range(lo, hi, step):
            run_sql(con, "staging/chunk_insert_quarantine", {
                "now": now, "table_order": int(g.table_order), "phase": int(g.phase),
                "lo": start, "hi": min(start + step, hi)}, target=target)
