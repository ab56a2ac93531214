"""Crash recovery without a hand (issue 18): SIGKILL at stepped points of a refresh, through
the centre runs, the registry run and Dagster's own bookkeeping; every next refresh must get
past the pool the killed run held, the last one must complete unattended, and the published
database, report and data docs must always describe the same refresh.

The kill points are counted in Dagster events (not seconds), so that they step through the
whole refresh on a fast or a loaded machine alike, with a random delay after each point so
that kills also land between Dagster's writes. A small registry (two centres) keeps the wall
time modest.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from registry_fixtures import REGISTRY_TEST_KEY as TEST_KEY
from registry_fixtures import write_demo_marker

from schemas.dialect import discover_centres
from synthetic_registry import generate_registry

CLI = [sys.executable, "-m", "pipelines.cli"]
REPO = Path(__file__).resolve().parents[2]
#: kill points as shares of the events of one full refresh
KILL_SHARES = (0.04, 0.2, 0.4, 0.6, 0.8, 0.97)
#: a refresh that gets no further for this long is hung (the failure this test guards)
STALL_SECONDS = 420


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["AML_REGISTRY_PSEUDONYM_KEY"] = TEST_KEY
    return env


def _start(landing: Path, warehouse: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "refresh", "--landing", str(landing), "--warehouse",
                             str(warehouse)], cwd=REPO, env=_env(), stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def event_count(warehouse: Path) -> int:
    """Dagster events of every run of the warehouse's instance (one sqlite file per run)."""
    total = 0
    for db in (warehouse / ".dagster" / "storage" / "history" / "runs").glob("*.db"):
        if db.name == "index.db":
            continue
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            try:
                total += con.execute("SELECT count(*) FROM event_logs").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            continue  # being created, or locked for a moment
    return total


def published_refreshes(warehouse: Path) -> dict[str, str | None]:
    """The refresh named by the published database, the release, the report, the data docs."""
    if not (warehouse / "current").exists():
        return {}
    release = json.loads((warehouse / "current" / "release.json").read_text())
    con = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    try:
        database = con.execute("SELECT refresh_id FROM meta.refreshes WHERE published "
                               "ORDER BY finished_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    report = (warehouse / "report" / "report.html").read_text(encoding="utf-8")
    docs = {p.name for p in (warehouse / "data-docs" / "validations").glob("*/*")}
    return {"release": release["refresh_id"], "database": database,
            "report": database if database in report else None,
            "data_docs": database if docs == {database} else None}


def _assert_consistent(warehouse: Path) -> str | None:
    names = published_refreshes(warehouse)
    if not names:
        return None
    assert len(set(names.values())) == 1, names
    return names["database"]


@pytest.fixture(scope="module")
def two_centres(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("crash") / "landing"
    generate_registry(landing, patients=300)
    for centre, folder in discover_centres(landing).items():
        if centre not in ("LYS", "PSL"):
            shutil.rmtree(folder)
    write_demo_marker(landing)
    return landing


@pytest.mark.slow
def test_every_kill_is_followed_by_a_refresh_that_completes(two_centres: Path,
                                                            tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    shutil.copytree(two_centres, landing)
    first = _start(landing, warehouse, tmp_path / "first.log")
    assert first.wait(timeout=1800) == 0, (tmp_path / "first.log").read_text()
    full = event_count(warehouse)
    published = _assert_consistent(warehouse)
    assert published is not None

    rng = random.Random(18)
    recovered = 0
    for i, share in enumerate(KILL_SHARES):
        log = tmp_path / f"killed-{i}.log"
        baseline = event_count(warehouse)
        target = baseline + max(1, int(share * full))
        proc = _start(landing, warehouse, log)
        last, last_change = baseline, time.monotonic()
        while proc.poll() is None:
            now = event_count(warehouse)
            if now >= target:
                time.sleep(rng.uniform(0.0, 0.4))   # land between Dagster's writes too
                break
            if now != last:
                last, last_change = now, time.monotonic()
            assert time.monotonic() - last_change < STALL_SECONDS, (
                f"refresh {i} hung at {now - baseline} events: {log.read_text()}")
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        if "recovery:" in log.read_text():
            recovered += 1
        # after every kill: the three published artefacts describe one refresh
        now_published = _assert_consistent(warehouse)
        assert now_published is not None

    final_log = tmp_path / "final.log"
    final = _start(landing, warehouse, final_log)
    code = final.wait(timeout=1800)
    text = final_log.read_text()
    assert code == 0, text
    assert recovered >= len(KILL_SHARES) - 2, "recovery never had to free a killed run"
    final_refresh = _assert_consistent(warehouse)
    assert final_refresh is not None and final_refresh != published
    # the instance holds no STARTED run and no claimed slot any more
    import dagster as dg

    from pipelines.refresh import dagster_instance

    os.environ.pop("DAGSTER_HOME", None)
    instance = dagster_instance(warehouse)
    stuck = instance.get_runs(filters=dg.RunsFilter(statuses=[
        dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]))
    assert stuck == []
    info = instance.event_log_storage.get_concurrency_info("duckdb_writer")
    assert info.claimed_slots == [] and info.pending_steps == []
    # nothing duplicated by the killed loads
    con = duckdb.connect(str(warehouse / "restricted" / "registry_restricted.duckdb"),
                         read_only=True)
    try:
        duplicated = con.execute(
            "SELECT count(*) FROM (SELECT centre_id, delivery, file, source_row FROM "
            "raw.patients GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    finally:
        con.close()
    assert duplicated == 0
