"""Each centre's current delivery typed before quarantine, read from the working database.

Source: issue 15 ("the suites run on the typed rows before quarantine, so the data docs show
what failed, per centre") and issue 16 (the registry-wide expectations step re-typed every
centre's whole raw delivery in pandas at each refresh, also when one centre changed: 7.5 s
of its 20 s at 20,000 patients). Staging has already typed every row of a delivery with the
centre's dialect (:func:`schemas.staging.type_column`): the rows it kept are in
``staging.<table>``, typed. So only the rows it quarantined are typed here, from their raw
text, with the same function (:func:`data_quality.pre_quarantine.typed_before_quarantine`);
together they are exactly the delivery typed before quarantine.

A centre whose staged rows were built from other raw content than the raw layer holds now
(``staging.deliveries.signature`` differs from ``raw.deliveries.signature``: a re-send held by
the shrink guard keeps the accepted content in staging) is typed from its raw rows in full,
as before. A centre whose dialect cannot be read any more (folder removed) is validated on
its current staged rows. SQL in ``sql/quality/pre_quarantine_*.sql``; no Dagster.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from data_quality.expectations import LINEAGE_COLUMNS
from data_quality.pre_quarantine import typed_before_quarantine
from extraction.stage import read_current_staging
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES, cast_canonical
from schemas.dialect import CentreDialect
from warehouse.database import query_frame, table_exists

#: the centre's dialect, or None when it cannot be read (its folder was removed)
DialectOf = Callable[[str], CentreDialect | None]


@dataclass
class PreQuarantineTables:
    """The typed tables (one frame per canonical table with rows) and how each centre's
    rows were obtained."""

    tables: dict[str, pd.DataFrame]
    #: centres whose kept rows came from staging (only their quarantined rows typed here)
    from_staging: list[str] = field(default_factory=list)
    #: centres typed from their raw rows in full (raw content changed after staging)
    from_raw: list[str] = field(default_factory=list)
    #: centres validated on their current staged rows (no centre.yaml any more)
    staged_only: list[str] = field(default_factory=list)


def read_tables_before_quarantine(con: duckdb.DuckDBPyConnection,
                                  dialect_of: DialectOf) -> PreQuarantineTables:
    """Every centre's newest staged delivery typed before quarantine, one frame per table
    (centres in order, each in source-row order; the centres without a dialect last)."""
    out = PreQuarantineTables({})
    if not (table_exists(con, "staging.deliveries") and table_exists(con, "raw.deliveries")):
        return out  # nothing staged yet: every table empty
    deliveries = query_frame(con, "quality/pre_quarantine_deliveries")
    dialects: dict[str, CentreDialect] = {}
    for row in deliveries.itertuples(index=False):
        dialect = dialect_of(row.centre_id)
        if dialect is None:
            out.staged_only.append(row.centre_id)
            continue
        dialects[row.centre_id] = dialect
        if pd.notna(row.raw_signature) and row.staged_signature == row.raw_signature:
            out.from_staging.append(row.centre_id)
        else:
            out.from_raw.append(row.centre_id)
    current = deliveries.set_index("centre_id")["delivery"]
    staged_only = (read_current_staging(con) if out.staged_only else {})
    validated = pa.table({"centre_id": pa.array(out.from_staging, pa.string()),
                          "delivery": pa.array([current[c] for c in out.from_staging],
                                               pa.string())})
    con.register("_validated", validated)
    try:
        for table in TABLE_NAMES:
            frames: list[pd.DataFrame] = []
            if table_exists(con, f"raw.{table}"):
                if out.from_staging and table_exists(con, f"staging.{table}"):
                    frames += _typed_from_staging(con, table, dialects)
                frames += [typed_before_quarantine(
                    query_frame(con, "raw/delivery_rows", [c, current[c]], table=table),
                    table, dialects[c]) for c in out.from_raw]
            frames = [f for f in frames if len(f)]
            ordered = (_in_centre_order(_concat(frames))
                       if frames else None)
            if table in staged_only:
                rest = staged_only[table]
                rest = rest[rest["centre_id"].isin(out.staged_only)]
                if len(rest):
                    ordered = rest if ordered is None else _concat(
                        [ordered, rest[ordered.columns]])
            if ordered is not None and len(ordered):
                out.tables[table] = cast_canonical(ordered.reset_index(drop=True), table)
    finally:
        con.unregister("_validated")
    return out


def _typed_from_staging(con: duckdb.DuckDBPyConnection, table: str,
                        dialects: dict[str, CentreDialect]) -> list[pd.DataFrame]:
    """The kept rows of the ``_validated`` deliveries as staging typed them, and their
    quarantined rows typed from raw text with each centre's dialect."""
    columns = [*LINEAGE_COLUMNS, *CANONICAL_TABLES[table].column_names]
    kept = query_frame(con, "quality/pre_quarantine_staged_rows", table=table)[columns]
    rejected = query_frame(con, "quality/pre_quarantine_rejected_rows", table=table)
    frames = [kept]  # cast with the rest, once
    for centre, rows in rejected.groupby("centre_id", sort=True):
        frames.append(typed_before_quarantine(rows, table, dialects[str(centre)])[columns])
    return frames


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other (dtypes are set by :func:`cast_canonical` after: an
    all-missing column of one part does not decide them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat(frames, ignore_index=True)


def _in_centre_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by centre, then source row (as each centre's raw delivery is read)."""
    frame["source_row"] = frame["source_row"].astype("int64")
    return frame.sort_values(["centre_id", "source_row"], kind="stable")
