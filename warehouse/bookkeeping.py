"""Recording refreshes, centre runs and check results in the ``meta`` schema."""

from __future__ import annotations

import datetime as dt
import json
import traceback
from typing import Any

import duckdb
import pandas as pd

from warehouse.database import Warehouse, query_frame, run_sql


def utcnow() -> dt.datetime:
    """Naive UTC timestamp (DuckDB TIMESTAMP)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_check(con: duckdb.DuckDBPyConnection, refresh_id: str | None, asset: str,
                 check_name: str, passed: bool, severity: str, description: str,
                 details: Any = None, partition: str | None = None) -> None:
    """One asset check result, queryable by analysts and data managers."""
    run_sql(con, "meta/record_check", {
        "refresh_id": refresh_id, "asset": asset, "check_name": check_name,
        "partition": partition, "passed": bool(passed), "severity": severity,
        "description": description,
        "details": json.dumps(details, default=str) if details is not None else None,
        "checked_at": utcnow()})


def record_centre_run(con: duckdb.DuckDBPyConnection, refresh_id: str | None, centre_id: str,
                      status: str, current_delivery: str | None, deliveries_loaded: list[str],
                      rows_delivered: int, rows_staged: int, rows_quarantined: int,
                      checks_failed: int, message: str) -> None:
    """What one centre's refresh did (loaded, unchanged or failed, with counts)."""
    run_sql(con, "meta/delete_centre_run", [refresh_id, centre_id])
    run_sql(con, "meta/record_centre_run", {
        "refresh_id": refresh_id, "centre_id": centre_id, "status": status,
        "current_delivery": current_delivery, "deliveries_loaded": ",".join(deliveries_loaded),
        "rows_delivered": rows_delivered, "rows_staged": rows_staged,
        "rows_quarantined": rows_quarantined, "checks_failed": checks_failed,
        "message": message, "finished_at": utcnow()})


def new_delivery_problems(con: duckdb.DuckDBPyConnection, centre_id: str,
                          refresh_id: str | None) -> list[str]:
    """The centre's unloadable deliveries first found in this refresh, as messages."""
    run_sql(con, "raw/create_delivery_problems")
    rows = query_frame(con, "raw/new_delivery_problems", [centre_id, refresh_id])
    return [f"centre {centre_id}, delivery {r.entry}, file {r.file}"
            + (f", row {int(r.source_row)}" if pd.notna(r.source_row) else "")
            + f": {r.problem} (not loaded; recorded in meta.delivery_problems)"
            for r in rows.itertuples()]


def record_restricted_error(warehouse: Warehouse, refresh_id: str | None, centre_id: str,
                            step: str, error: BaseException) -> str:
    """Keep an unexpected error's full text (it may quote source values) in the restricted
    ``quarantine.errors``; return where it is. Best effort: the step fails either way."""
    try:
        with warehouse.connect() as con:
            run_sql(con, "quarantine/create_errors")
            run_sql(con, "quarantine/record_error", {
                "refresh_id": refresh_id, "centre_id": centre_id, "step": step,
                "error_type": type(error).__name__,
                "error_text": "".join(traceback.format_exception(error)),
                "recorded_at": utcnow()})
    except Exception:  # the working database itself may be what failed
        return "nowhere (the working database could not be written)"
    return "quarantine.errors"
