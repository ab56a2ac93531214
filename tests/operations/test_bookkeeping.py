"""The meta and quarantine bookkeeping rows land in the columns they name (inserts by column
name, sql/meta/record_*.sql, sql/quarantine/record_error.sql)."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse.bookkeeping import record_centre_run, record_check, record_restricted_error
from warehouse.database import Warehouse, query_frame, run_sql


def test_check_result_and_centre_run_fill_their_named_columns(tmp_path: Path) -> None:
    with Warehouse(tmp_path).connect() as con:
        record_check(con, "r1", "staging_centre_tables", "rows_balanced", False, "ERROR",
                     "2 rows unaccounted for", {"rows": 2}, partition="LYS")
        record_centre_run(con, "r1", "LYS", "failed", "2026-01-05", ["2026-01-05"], 10, 7, 1,
                          1, "centre LYS, file patients.csv, row 3: truncated")
        # a re-run of the centre in the same refresh replaces its row
        record_centre_run(con, "r1", "LYS", "loaded", "2026-01-05", ["2026-01-05"], 10, 9, 1,
                          0, "loaded")
        check = query_frame(con, "meta/failed_checks", ["r1"]).iloc[0]
        runs = con.execute("SELECT * FROM meta.centre_runs").df()
    assert (check.asset, check.check_name, check.partition, check.severity,
            check.description) == ("staging_centre_tables", "rows_balanced", "LYS", "ERROR",
                                   "2 rows unaccounted for")
    assert len(runs) == 1
    run = runs.iloc[0]
    assert (run.status, run.current_delivery, run.deliveries_loaded, run.rows_delivered,
            run.rows_staged, run.rows_quarantined, run.checks_failed, run.message) == (
        "loaded", "2026-01-05", "2026-01-05", 10, 9, 1, 0, "loaded")


def test_unexpected_error_text_is_kept_in_the_restricted_quarantine(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path)
    try:
        raise ValueError("source value 'DUPONT Jean' in row 4")
    except ValueError as error:
        where = record_restricted_error(warehouse, "r1", "LYS", "stage", error)
    assert where == "quarantine.errors"
    with warehouse.connect() as con:
        run_sql(con, "quarantine/create_errors")
        row = con.execute("SELECT refresh_id, centre_id, step, error_type, error_text "
                          "FROM quarantine.errors").fetchall()
    assert len(row) == 1
    refresh_id, centre, step, error_type, text = row[0]
    assert (refresh_id, centre, step, error_type) == ("r1", "LYS", "stage", "ValueError")
    assert "DUPONT Jean" in text and "Traceback" in text


def test_check_details_are_stored_as_json(tmp_path: Path) -> None:
    with Warehouse(tmp_path).connect() as con:
        record_check(con, None, "analysis_tables", "keys_unique", True, "WARN", "ok",
                     {"duplicates": 0, "tables": ["patients"]})
        details = con.execute("SELECT details FROM meta.check_results").fetchone()[0]
    assert json.loads(details) == {"duplicates": 0, "tables": ["patients"]}
