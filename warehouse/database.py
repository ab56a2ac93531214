"""The DuckDB warehouse: one working database the pipeline writes, SQL run from ``sql/``.

Source: ../shared/spec/architecture.md ("DuckDB: one writer, many analysts") and
../shared/spec/style.md ("DuckDB"): frames are inserted by column name (never by position),
empty frames still replace yesterday's rows, and each write runs in a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
LAYER_SCHEMAS = ("raw", "staging", "quarantine", "harmonised", "analysis", "outcomes", "meta",
                 "quality")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def sql_text(name: str, **identifiers: str) -> str:
    """The text of ``sql/<name>.sql``; ``{placeholders}`` may only take plain identifiers."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for key, value in identifiers.items():
        if not _IDENTIFIER.match(value):
            raise ValueError(f"not a plain SQL identifier for {{{key}}}: {value!r}")
    return text.format(**identifiers) if identifiers else text


def run_sql(con: duckdb.DuckDBPyConnection, name: str, params: Sequence[Any] | dict | None = None,
            **identifiers: str) -> duckdb.DuckDBPyConnection:
    """Run one SQL file (may hold several statements when it takes no parameters)."""
    text = sql_text(name, **identifiers)
    if params is None:
        return con.execute(text)
    return con.execute(text, params)


def query_frame(con: duckdb.DuckDBPyConnection, name: str,
                params: Sequence[Any] | dict | None = None, **identifiers: str) -> pd.DataFrame:
    """Run one SQL file and return its result as a pandas frame."""
    return run_sql(con, name, params, **identifiers).df()


def materialise_query(con: duckdb.DuckDBPyConnection, fqn: str, name: str,
                      params: Sequence[Any] | dict | None = None) -> int:
    """``CREATE OR REPLACE TABLE fqn`` from one SQL file's query, inside DuckDB (no trip
    through Python); returns the rows written."""
    _check_identifier(fqn)
    text = sql_text(name).strip().rstrip(";")
    statement = f"CREATE OR REPLACE TABLE {fqn} AS {text}"
    con.execute(statement, params) if params is not None else con.execute(statement)
    return int(con.execute(f"SELECT count(*) FROM {fqn}").fetchone()[0])


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def table_exists(con: duckdb.DuckDBPyConnection, fqn: str) -> bool:
    schema, table = fqn.split(".")
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchone()[0])


def write_frame(con: duckdb.DuckDBPyConnection, fqn: str, frame: pd.DataFrame | pa.Table,
                schema: pa.Schema | None = None, delete_where: str | None = None,
                delete_params: Sequence[Any] | None = None, replace: bool = False,
                timestamps_as_dates: bool = False) -> int:
    """Insert a frame into ``fqn`` by column name, creating the table on first use.

    ``delete_where`` removes the rows being replaced first (e.g. one centre's delivery);
    ``replace`` recreates the table from the frame. An empty frame still deletes.
    ``timestamps_as_dates`` stores pandas datetimes as DATE (calendar dates, as delivered).
    """
    _check_identifier(fqn)
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, schema=schema, preserve_index=False)
    table = _untyped_nulls_as_text(table)
    if timestamps_as_dates:
        table = _timestamps_as_dates(table)
    con.register("_incoming_frame", table)
    try:
        if replace:
            con.execute(f"CREATE OR REPLACE TABLE {fqn} AS SELECT * FROM _incoming_frame")
            return table.num_rows
        con.execute(f"CREATE TABLE IF NOT EXISTS {fqn} AS SELECT * FROM _incoming_frame LIMIT 0")
        if delete_where:
            con.execute(f"DELETE FROM {fqn} WHERE {delete_where}", list(delete_params or []))
        if table.num_rows:
            con.execute(f"INSERT INTO {fqn} BY NAME SELECT * FROM _incoming_frame")
    finally:
        con.unregister("_incoming_frame")
    return table.num_rows


def write_centre_partition(con: duckdb.DuckDBPyConnection, fqn: str, frame: pd.DataFrame,
                           centre_id: str, timestamps_as_dates: bool = False) -> int:
    """Replace one centre's rows of ``fqn`` by ``frame`` (a per-centre layer writes only its
    own partition). When the frame's columns differ from the table's (a new code version),
    the table is rebuilt with the frame's columns, the other centres' rows kept by name."""
    _check_identifier(fqn)
    if table_exists(con, fqn):
        schema, table = fqn.split(".")
        stored = [r[0] for r in run_sql(con, "export/columns", [schema, table]).fetchall()]
        if stored != list(frame.columns):
            con.execute(f"ALTER TABLE {fqn} RENAME TO _previous_partitions")
            write_frame(con, fqn, frame.iloc[:0], timestamps_as_dates=timestamps_as_dates)
            common = [c for c in frame.columns if c in stored]
            if common and "centre_id" in stored:  # rows without a centre cannot be kept
                cols = ", ".join(f'"{c}"' for c in common)
                con.execute(f"INSERT INTO {fqn} ({cols}) SELECT {cols} FROM "
                            f"{schema}._previous_partitions WHERE centre_id <> ?", [centre_id])
            con.execute(f"DROP TABLE {schema}._previous_partitions")
    return write_frame(con, fqn, frame, delete_where="centre_id = ?", delete_params=[centre_id],
                       timestamps_as_dates=timestamps_as_dates)


def _untyped_nulls_as_text(table: pa.Table) -> pa.Table:
    """An all-missing column has no type; store it as text rather than DuckDB's INTEGER."""
    for i, f in enumerate(table.schema):
        if pa.types.is_null(f.type):
            table = table.set_column(i, pa.field(f.name, pa.string()),
                                     table.column(i).cast(pa.string()))
    return table


def _timestamps_as_dates(table: pa.Table) -> pa.Table:
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            table = table.set_column(i, pa.field(f.name, pa.date32()),
                                     table.column(i).cast(pa.date32()))
    return table


class Warehouse:
    """The pipeline's working database and the analysts' published file under one folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def working_path(self) -> Path:
        """The database the pipeline writes (identifiable: raw, staging, quarantine)."""
        return self.root / "work" / "working.duckdb"

    @property
    def published_path(self) -> Path:
        """The analysts' file: pseudonymised, checked, replaced atomically."""
        return self.root / "registry.duckdb"

    @property
    def restricted_path(self) -> Path:
        """A published copy of the whole working database for data managers (identifiable)."""
        return self.root / "restricted" / "registry_restricted.duckdb"

    @property
    def report_dir(self) -> Path:
        return self.root / "report"

    @property
    def data_docs_dir(self) -> Path:
        return self.root / "data-docs"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working database, with the layer schemas present."""
        self.working_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.working_path))
        try:
            for schema in LAYER_SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            run_sql(con, "meta/create_meta_tables")
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
