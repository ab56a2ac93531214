"""A crash between chunks leaves scratch schemas behind (issue 18: recovery without a hand).

Staging writes each chunk to the ``scratch`` schema of the working database and the harmonised
batches write to ``scratch_harmonised``, outside the delivery's transaction; a SIGKILL between
chunks leaves them there. The next refresh must complete unattended, stage a new delivery
exactly as if nothing had been left, drop the leftovers, and never publish them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from registry_fixtures import refreshed_centres

from pipelines.refresh import run_refresh
from warehouse.database import Warehouse

CENTRES = ("LYS", "PSL")
SCRATCH_SCHEMAS = ("scratch", "scratch_harmonised")


def _schemas(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {s for (s,) in con.execute(
            "SELECT DISTINCT schema_name FROM duckdb_schemas() WHERE NOT internal").fetchall()}
    finally:
        con.close()


def _staged_counts(warehouse: Path, centre: str) -> dict[str, int]:
    con = duckdb.connect(str(Warehouse(warehouse).working_path), read_only=True)
    try:
        delivery = con.execute("SELECT delivery FROM staging.current_deliveries "
                               "WHERE centre_id = ?", [centre]).fetchone()[0]
        counts = {t: con.execute(f"SELECT count(*) FROM staging.{t} WHERE centre_id = ? "
                                 "AND delivery = ?", [centre, delivery]).fetchone()[0]
                  for t in ("patients", "mutations", "transplants", "responses")}
        counts["quarantined"] = con.execute(
            "SELECT count(*) FROM quarantine.rows WHERE centre_id = ? AND delivery = ?",
            [centre, delivery]).fetchone()[0]
        counts["delivery"] = delivery
        return counts
    finally:
        con.close()


def _plant_leftovers(warehouse: Path) -> None:
    """What a kill between two chunks leaves: half-written scratch tables, one of them of an
    older shape, one the code never makes."""
    con = duckdb.connect(str(Warehouse(warehouse).working_path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS scratch")
        con.execute("CREATE OR REPLACE TABLE scratch.patients AS "
                    "SELECT 'P-LEFTOVER' AS patient_id, 42 AS an_older_column")
        con.execute("CREATE OR REPLACE TABLE scratch.quarantine AS SELECT 1 AS source_row")
        con.execute("CREATE OR REPLACE TABLE scratch.half_written AS SELECT range AS r "
                    "FROM range(1000)")
        con.execute("CREATE SCHEMA IF NOT EXISTS scratch_harmonised")
        con.execute("CREATE OR REPLACE TABLE scratch_harmonised.patients AS "
                    "SELECT 'LYS' AS centre_id, 'P-LEFTOVER' AS patient_id")
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_centres(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return refreshed_centres(tmp_path_factory.mktemp("leftover_scratch"), CENTRES, 120)


def test_leftover_scratch_is_never_published_and_a_new_delivery_stages_cleanly(
        two_centres) -> None:
    landing, warehouse = two_centres
    before = _staged_counts(warehouse, "LYS")
    _plant_leftovers(warehouse)

    # a refresh with nothing new to stage: completes; the leftovers reach no published file
    outcome = run_refresh(landing, warehouse, progress=lambda _m: None,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome.message
    wh = Warehouse(warehouse)
    for published in (wh.published_path, wh.restricted_path):
        assert not _schemas(published) & set(SCRATCH_SCHEMAS), published

    # LYS sends its delivery again under today's date: staged over the leftovers, exactly
    # as the first time, and the scratch schemas are gone afterwards
    _plant_leftovers(warehouse)
    current = max(p for p in (landing / "LYS").iterdir() if p.is_dir())
    resent = landing / "LYS" / dt.date.today().isoformat()
    assert resent.name > current.name
    shutil.copytree(current, resent)
    outcome = run_refresh(landing, warehouse, centres=["LYS"], progress=lambda _m: None,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome.message
    after = _staged_counts(warehouse, "LYS")
    assert after.pop("delivery") == resent.name
    before.pop("delivery")
    assert after == before
    assert not _schemas(wh.working_path) & set(SCRATCH_SCHEMAS)
    for published in (wh.published_path, wh.restricted_path):
        assert not _schemas(published) & set(SCRATCH_SCHEMAS), published
    con = duckdb.connect(str(wh.restricted_path), read_only=True)
    try:
        leaked = con.execute("SELECT count(*) FROM harmonised.patients "
                             "WHERE patient_id = 'P-LEFTOVER'").fetchone()[0]
    finally:
        con.close()
    assert leaked == 0
