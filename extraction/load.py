"""Loading a centre's complete deliveries into the raw layer, verbatim and idempotently.

Source: ../shared/spec/export-format.md ("What the pipeline promises about an export").
Each delivery is loaded in one transaction: all its files or none. A delivery whose files
have the same sha256 as already loaded is skipped (re-loading changes nothing); a delivery
re-sent with corrections (a file's hash changed) replaces that delivery's rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from extraction.csv_raw import load_csv_into_raw
from extraction.csv_source import private_workdir, remove_workdir
from extraction.deliveries import Delivery, FolderProblem, scan_centre_folder
from extraction.readers import DeliveryError, SourceTable, raw_arrow_schema, read_delivery
from schemas.canonical import TABLE_NAMES
from schemas.dialect import CentreDialect
from warehouse.database import query_frame, run_sql, table_exists, write_frame

__all__ = ["CentreExtraction", "DeliveryLoad", "delivery_signature", "extract_centre",
           "raw_arrow_schema", "record_problems", "stat_fingerprint"]


@dataclass
class DeliveryLoad:
    """What happened to one delivery in this extraction."""

    delivery: str
    status: str  # loaded, reloaded, unchanged, incomplete, broken
    reason: str
    rows_per_file: dict[str, int] = field(default_factory=dict)
    sha256_per_file: dict[str, str] = field(default_factory=dict)
    file_per_table: dict[str, str] = field(default_factory=dict)


@dataclass
class CentreExtraction:
    """The result of extracting one centre."""

    centre_id: str
    deliveries: list[DeliveryLoad]
    #: every entry of the centre folder that is not loadable (known or new)
    problems: list[DeliveryError] = field(default_factory=list)
    #: the problems seen for the first time in this extraction (they fail the centre once)
    new_problems: list[DeliveryError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(d.status in ("loaded", "reloaded") for d in self.deliveries)

    @property
    def rows_loaded(self) -> int:
        return sum(sum(d.rows_per_file.values()) for d in self.deliveries
                   if d.status in ("loaded", "reloaded"))


def delivery_signature(tables: dict[str, SourceTable]) -> str:
    """One hash over a delivery's file hashes (order independent)."""
    parts = sorted(f"{t.table}:{t.file}:{t.sha256}" for t in tables.values())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _insert_delivery(con: duckdb.DuckDBPyConnection, dialect: CentreDialect, delivery: Delivery,
                     tables: dict[str, SourceTable], signature: str,
                     loaded_at: dt.datetime) -> None:
    """Replace one delivery's raw rows (inside the caller's transaction): workbook frames by
    insert, CSV files by DuckDB's reader straight into the raw table (a file it refuses
    raises :class:`DeliveryError`); then the ledger rows of ``raw.files`` and
    ``raw.deliveries``."""
    centre, date = dialect.centre_id, delivery.delivery
    for table in TABLE_NAMES:
        source = tables.get(table)
        frame = source.frame.copy() if source is not None and source.frame is not None else None
        if frame is None:
            frame = pa.Table.from_pylist([], schema=raw_arrow_schema(table))
        else:
            frame.insert(0, "loaded_at", loaded_at)
            frame.insert(0, "file_sha256", source.sha256)
            frame.insert(0, "file", source.file)
            frame.insert(0, "delivery", date)
            frame.insert(0, "centre_id", centre)
        if table_exists(con, f"raw.{table}"):
            run_sql(con, "raw/add_missing_fields_column", table=table)
            run_sql(con, "raw/add_formula_cells_column", table=table)
        write_frame(con, f"raw.{table}", frame, schema=raw_arrow_schema(table),
                    delete_where="centre_id = ? AND delivery = ?", delete_params=[centre, date])
        if source is not None and source.csv is not None:
            source.row_count, source.source_columns = load_csv_into_raw(
                con, source.csv, table, dialect, date, loaded_at)
    con.execute("DELETE FROM raw.files WHERE centre_id = ? AND delivery = ?", [centre, date])
    con.execute("DELETE FROM raw.deliveries WHERE centre_id = ? AND delivery = ?", [centre, date])
    for source in tables.values():
        run_sql(con, "raw/record_file", {
            "centre_id": centre, "delivery": date, "table_name": source.table,
            "file": source.file, "file_sha256": source.sha256,
            "source_columns": json.dumps(source.source_columns, ensure_ascii=False),
            "rows": source.rows, "loaded_at": loaded_at})
    run_sql(con, "raw/record_delivery", {
        "centre_id": centre, "delivery": date, "complete_reason": delivery.reason,
        "signature": signature, "loaded_at": loaded_at,
        "stat_fingerprint": stat_fingerprint(delivery.path)})


def _loaded_rows(con: duckdb.DuckDBPyConnection, centre_id: str, delivery: str
                 ) -> dict[str, int]:
    """Rows per file of a delivery as loaded before (from the ledger ``raw.files``)."""
    files = query_frame(con, "raw/loaded_files", [centre_id, delivery])
    return {str(f): int(n) for f, n in zip(files["file"], files["rows"], strict=True)}


def _working_folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The folder of the working database (UTF-8 copies of delivered files go beside it,
    in the warehouse's restricted area); None for an in-memory database."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                       "current_database()").fetchone()
    return Path(path[0]).parent if path and path[0] else None


def stat_fingerprint(folder: Path) -> str:
    """Names, sizes and modification times of a delivery's files, hashed (no file is read)."""
    parts = sorted(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                   for p in folder.iterdir() if p.is_file())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _entry_fingerprint(centre_folder: Path, name: str) -> str:
    """An entry of the centre folder as it is now: a link's target, a folder's file stats."""
    path = Path(centre_folder) / name
    if path.is_symlink():
        return "link:" + hashlib.sha256(os.readlink(path).encode()).hexdigest()
    if path.is_dir():
        try:
            return stat_fingerprint(path)
        except OSError:
            return "unreadable"
    return "entry"


def _problem_error(centre_id: str, problem: FolderProblem) -> DeliveryError:
    return DeliveryError(centre_id, problem.name, "(delivery folder)", problem.problem)


def record_problems(con: duckdb.DuckDBPyConnection, centre_folder: Path, centre_id: str,
                    problems: list[DeliveryError], refresh_id: str | None,
                    seen_at: dt.datetime) -> list[DeliveryError]:
    """Record the centre's unloadable entries; return those not recorded before."""
    run_sql(con, "raw/create_delivery_problems")
    known = query_frame(con, "raw/known_delivery_problems", [centre_id])
    known_keys = set(zip(known["entry"], known["fingerprint"], strict=True))
    new = []
    for error in problems:
        fingerprint = _entry_fingerprint(centre_folder, error.delivery)
        if (error.delivery, fingerprint) in known_keys:
            continue
        known_keys.add((error.delivery, fingerprint))
        run_sql(con, "raw/record_delivery_problem", {
            "centre_id": centre_id, "entry": error.delivery, "fingerprint": fingerprint,
            "file": error.file, "source_row": error.row, "column_name": error.column,
            "problem": error.problem, "first_seen_refresh": refresh_id,
            "first_seen_at": seen_at})
        new.append(error)
    return new


def _known_broken(con: duckdb.DuckDBPyConnection, centre_id: str, delivery: Delivery
                  ) -> str | None:
    """The recorded problem of a delivery that is unchanged since it was found broken."""
    run_sql(con, "raw/create_delivery_problems")
    known = query_frame(con, "raw/known_delivery_problems", [centre_id])
    hit = known[(known["entry"] == delivery.delivery)
                & (known["fingerprint"] == stat_fingerprint(delivery.path))]
    return None if hit.empty else str(hit["problem"].iloc[0])


def _load_delivery(con: duckdb.DuckDBPyConnection, dialect: CentreDialect, delivery: Delivery,
                   known: pd.DataFrame, stats: str, loaded_at: dt.datetime, workdir: Path,
                   problems: list[DeliveryError]) -> DeliveryLoad:
    """Read one complete delivery and load it into raw in one transaction (or skip it when
    its files' sha256 are those loaded); a broken one is added to ``problems``."""
    try:
        tables = read_delivery(delivery, dialect, workdir)
        if not tables:
            raise DeliveryError(dialect.centre_id, delivery.delivery, "(delivery folder)",
                                "delivery holds no export file (expected "
                                f"{'a workbook' if dialect.format == 'xlsx' else 'CSV files'})")
    except DeliveryError as exc:
        problems.append(exc)
        return DeliveryLoad(delivery.delivery, "broken", str(exc))
    signature = delivery_signature(tables)
    previous = known["signature"]
    hashes = {t.file: t.sha256 for t in tables.values()}
    files = {t.table: t.file for t in tables.values()}
    if len(previous) and previous.iloc[0] == signature:
        run_sql(con, "raw/update_stat_fingerprint", [stats, dialect.centre_id,
                                                     delivery.delivery])
        return DeliveryLoad(delivery.delivery, "unchanged", "same files (sha256) already loaded",
                            _loaded_rows(con, dialect.centre_id, delivery.delivery), hashes,
                            files)
    status = "reloaded" if len(previous) else "loaded"
    con.execute("BEGIN TRANSACTION")
    try:
        _insert_delivery(con, dialect, delivery, tables, signature, loaded_at)
    except DeliveryError as exc:
        con.execute("ROLLBACK")
        problems.append(exc)
        return DeliveryLoad(delivery.delivery, "broken", str(exc))
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    reason = delivery.reason if status == "loaded" else "re-sent with changed files"
    rows = {t.file: t.rows for t in tables.values()}
    return DeliveryLoad(delivery.delivery, status, reason, rows, hashes, files)


def extract_centre(con: duckdb.DuckDBPyConnection, centre_folder: Path, dialect: CentreDialect,
                   loaded_at: dt.datetime | None = None, now: float | None = None,
                   refresh_id: str | None = None) -> CentreExtraction:
    """Load every complete, not yet loaded delivery of one centre into ``raw``.

    A delivery that cannot be loaded (a broken file, a name that is not a real date, a
    future date, a symbolic link) is skipped and recorded in ``meta.delivery_problems``, so
    that a newer good delivery is still loaded and becomes current. Problems seen for the
    first time are then raised as the first of them, a :class:`DeliveryError` carrying the
    whole result in ``extraction`` (every good delivery is loaded by then); a known problem
    (same entry, unchanged files) is not read again nor raised again.
    """
    run_sql(con, "raw/create_raw_bookkeeping")
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results: list[DeliveryLoad] = []
    deliveries, folder_problems = scan_centre_folder(centre_folder, dialect, now)
    problems = [_problem_error(dialect.centre_id, p) for p in folder_problems]
    for delivery in deliveries:
        if not delivery.complete:
            results.append(DeliveryLoad(delivery.delivery, "incomplete", delivery.reason))
            continue
        known = query_frame(con, "raw/centre_deliveries", [dialect.centre_id])
        known = known[known["delivery"] == delivery.delivery]
        stats = stat_fingerprint(delivery.path)
        if len(known) and known["stat_fingerprint"].iloc[0] == stats:
            results.append(DeliveryLoad(delivery.delivery, "unchanged",
                                        "files unchanged since loaded (names, sizes, mtimes): "
                                        "not re-read"))
            continue
        broken = _known_broken(con, dialect.centre_id, delivery)
        if broken is not None:
            results.append(DeliveryLoad(delivery.delivery, "broken",
                                        f"known broken delivery, unchanged: {broken}"))
            problems.append(DeliveryError(dialect.centre_id, delivery.delivery,
                                          "(delivery folder)", broken))
            continue
        workdir = private_workdir(_working_folder(con))
        try:
            result = _load_delivery(con, dialect, delivery, known, stats, loaded_at, workdir,
                                    problems)
        finally:
            remove_workdir(workdir)
        results.append(result)
    extraction = CentreExtraction(dialect.centre_id, results, problems)
    extraction.new_problems = record_problems(con, centre_folder, dialect.centre_id, problems,
                                              refresh_id, loaded_at)
    if extraction.new_problems:
        first = extraction.new_problems[0]
        first.extraction = extraction
        raise first
    return extraction
