"""Publishing: a finished, checked copy for analysts, swapped in atomically.

Source: ../shared/spec/architecture.md ("DuckDB: one writer, many analysts") and
../shared/spec/style.md ("Publishing"): build a new file next to the published one,
CHECKPOINT, close, verify it opens read-only, then ``os.replace`` it onto the published name
(atomic on POSIX). A reader that has the old file open keeps a consistent view; a failed
build leaves the published file untouched.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.database import Warehouse, run_sql
from warehouse.permissions import publish_mode, secure_restricted

PUBLISHED_SCHEMAS = ("analysis", "outcomes", "meta", "quality")


@dataclass
class PublishResult:
    """Where the analysts' file now is, and what it holds."""

    path: Path
    tables: dict[str, int]
    restricted_path: Path | None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_tables(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Copy the analyst schemas of the working database into a new database file."""
    con.execute(f"ATTACH '{target}' AS pub")
    counts: dict[str, int] = {}
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY 1, 2").fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
        for schema, table in tables:
            con.execute(f'CREATE TABLE pub.{schema}."{table}" AS '
                        f'SELECT * FROM {schema}."{table}"')
            counts[f"{schema}.{table}"] = con.execute(
                f'SELECT count(*) FROM pub.{schema}."{table}"').fetchone()[0]
    finally:
        con.execute("DETACH pub")
    return counts


def publish_registry(warehouse: Warehouse, con: duckdb.DuckDBPyConnection) -> PublishResult:
    """Build the analysts' database from the working one and swap it in atomically.

    ``con`` is the open read-write connection to the working database.
    """
    published = warehouse.published_path
    published.parent.mkdir(parents=True, exist_ok=True)
    building = published.with_name(f".{published.name}.building")
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)
    counts = _copy_tables(con, building)
    pub = duckdb.connect(str(building))
    try:
        run_sql(pub, "publish/data_dictionary")
        run_sql(pub, "publish/comments")
        run_sql(pub, "publish/outcome_comments")
        pub.execute("CHECKPOINT")
    finally:
        pub.close()
    check = duckdb.connect(str(building), read_only=True)
    try:
        for name, n in counts.items():
            schema, table = name.split(".")
            got = check.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]
            if got != n:
                raise RuntimeError(f"published copy of {name} has {got} rows, expected {n}")
    finally:
        check.close()
    with open(building, "rb") as fh:
        os.fsync(fh.fileno())
    publish_mode(building)  # readable as configured from the moment it is swapped in
    os.replace(building, published)
    _fsync_dir(published.parent)
    return PublishResult(published, counts, None)


def publish_restricted_copy(warehouse: Warehouse) -> Path:
    """Copy the whole (closed, checkpointed) working database for data managers, atomically."""
    target = warehouse.restricted_path
    target.parent.mkdir(parents=True, exist_ok=True)
    secure_restricted(target.parent)  # identifiable: owner (or restricted group) only
    building = target.with_name(f".{target.name}.building")
    shutil.copyfile(warehouse.working_path, building)
    secure_restricted(building)
    with open(building, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(building, target)
    return target
