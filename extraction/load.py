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
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from extraction.deliveries import Delivery, list_deliveries
from extraction.readers import DeliveryError, SourceTable, read_delivery
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES
from schemas.dialect import CentreDialect
from warehouse.database import query_frame, run_sql, table_exists, write_frame


def raw_arrow_schema(table: str) -> pa.Schema:
    """Raw layer columns: lineage, every canonical column as text, the values of unmapped
    source columns (JSON) and how many fields the source record lacked (``missing_fields``)."""
    fields = [
        pa.field("centre_id", pa.string()), pa.field("delivery", pa.string()),
        pa.field("file", pa.string()), pa.field("source_row", pa.int64()),
        pa.field("file_sha256", pa.string()), pa.field("loaded_at", pa.timestamp("us")),
    ]
    fields += [pa.field(c, pa.string()) for c in CANONICAL_TABLES[table].column_names]
    fields.append(pa.field("unmapped", pa.string()))
    fields.append(pa.field("missing_fields", pa.int32()))
    return pa.schema(fields)


@dataclass
class DeliveryLoad:
    """What happened to one delivery in this extraction."""

    delivery: str
    status: str  # loaded, reloaded, unchanged, incomplete
    reason: str
    rows_per_file: dict[str, int] = field(default_factory=dict)
    sha256_per_file: dict[str, str] = field(default_factory=dict)
    file_per_table: dict[str, str] = field(default_factory=dict)


@dataclass
class CentreExtraction:
    """The result of extracting one centre."""

    centre_id: str
    deliveries: list[DeliveryLoad]

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
    centre, date = dialect.centre_id, delivery.delivery
    for table in TABLE_NAMES:
        source = tables.get(table)
        frame = source.frame.copy() if source is not None else None
        if frame is None:
            frame = pa.Table.from_pylist([], schema=raw_arrow_schema(table)).to_pandas()
        else:
            frame.insert(0, "loaded_at", loaded_at)
            frame.insert(0, "file_sha256", source.sha256)
            frame.insert(0, "file", source.file)
            frame.insert(0, "delivery", date)
            frame.insert(0, "centre_id", centre)
        if table_exists(con, f"raw.{table}"):
            run_sql(con, "raw/add_missing_fields_column", table=table)
        write_frame(con, f"raw.{table}", frame, schema=raw_arrow_schema(table),
                    delete_where="centre_id = ? AND delivery = ?", delete_params=[centre, date])
    con.execute("DELETE FROM raw.files WHERE centre_id = ? AND delivery = ?", [centre, date])
    con.execute("DELETE FROM raw.deliveries WHERE centre_id = ? AND delivery = ?", [centre, date])
    for source in tables.values():
        con.execute("INSERT INTO raw.files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [centre, date, source.table, source.file, source.sha256,
                     json.dumps(source.source_columns, ensure_ascii=False), source.rows, loaded_at])
    con.execute("INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?)",
                [centre, date, delivery.reason, signature, loaded_at,
                 stat_fingerprint(delivery.path)])


def stat_fingerprint(folder: Path) -> str:
    """Names, sizes and modification times of a delivery's files, hashed (no file is read)."""
    parts = sorted(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                   for p in folder.iterdir() if p.is_file())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def extract_centre(con: duckdb.DuckDBPyConnection, centre_folder: Path, dialect: CentreDialect,
                   loaded_at: dt.datetime | None = None, now: float | None = None
                   ) -> CentreExtraction:
    """Load every complete, not yet loaded delivery of one centre into ``raw``.

    Raises :class:`DeliveryError` for a broken file; deliveries loaded before it stay.
    """
    run_sql(con, "raw/create_raw_bookkeeping")
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results: list[DeliveryLoad] = []
    for delivery in list_deliveries(centre_folder, dialect, now):
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
        tables = read_delivery(delivery, dialect)
        if not tables:
            raise DeliveryError(dialect.centre_id, delivery.delivery, "(delivery folder)",
                                "delivery holds no export file (expected "
                                f"{'a workbook' if dialect.format == 'xlsx' else 'CSV files'})")
        signature = delivery_signature(tables)
        previous = known["signature"]
        rows = {t.file: t.rows for t in tables.values()}
        hashes = {t.file: t.sha256 for t in tables.values()}
        files = {t.table: t.file for t in tables.values()}
        if len(previous) and previous.iloc[0] == signature:
            run_sql(con, "raw/update_stat_fingerprint", [stats, dialect.centre_id,
                                                         delivery.delivery])
            results.append(DeliveryLoad(delivery.delivery, "unchanged",
                                        "same files (sha256) already loaded", rows, hashes, files))
            continue
        status = "reloaded" if len(previous) else "loaded"
        con.execute("BEGIN TRANSACTION")
        try:
            _insert_delivery(con, dialect, delivery, tables, signature, loaded_at)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        reason = delivery.reason if status == "loaded" else "re-sent with changed files"
        results.append(DeliveryLoad(delivery.delivery, status, reason, rows, hashes, files))
    return CentreExtraction(dialect.centre_id, results)
