"""A real ``dagster-daemon run`` on a temporary landing area and Dagster home.

The daemon loads ``pipelines.definitions`` (the same module as ``dagster dev``) with the
repository's ``dagster.yaml``. It must: pick up the deliveries with the landing sensor, run
the centre runs through the run queue without two DuckDB writers at once, start the registry
run once the centre runs are finished, publish ``WAREHOUSE/registry.duckdb``, start exactly
one centre run for a delivery dropped afterwards, and tick the nightly schedule.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from ops_support import TEST_KEY, add_delivery, dagster_home, small_landing
from process_support import stop_process_group

from assets import REFRESH_TAG
from pipelines.definitions import REPO_ROOT
from pipelines.operations import (
    CENTRE_JOB,
    REGISTRY_JOB,
    SCHEDULE_NAME_TAG,
    SENSOR_NAME_TAG,
)

CENTRES = ("LYS", "NTE")
DAEMON = Path(sys.executable).with_name("dagster-daemon")
#: Seconds from the daemon's start after which the nightly schedule may fire (at the next
#: minute boundary): late enough not to crowd the first refresh, early enough not to wait.
SCHEDULE_AFTER = 75
S = dg.DagsterRunStatus
FAILED = {S.FAILURE, S.CANCELED}


class Daemon:
    """The daemon subprocess (its own process group: code server and runs included)."""

    def __init__(self, home: Path, env: dict[str, str], log: Path):
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [str(DAEMON), "run", "-m", "pipelines.definitions", "--log-level", "info"],
            cwd=REPO_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM to the daemon's process group, then SIGKILL to whatever is left."""
        stop_process_group(self.proc)
        self._log_file.close()


def _wait_for(what: str, predicate: Callable[[], object], timeout: float, daemon: Daemon,
              poll: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            print(f"{time.strftime('%H:%M:%S')} done: {what}", flush=True)  # shown on failure
            return value
        if daemon.proc.poll() is not None:
            pytest.fail(f"dagster-daemon exited ({daemon.proc.returncode}) while waiting for "
                        f"{what}:\n{daemon.tail()}")
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}:\n{daemon.tail()}")


def _runs(instance: dg.DagsterInstance, job: str, **tags: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(job_name=job, tags=tags or None)))


def _sensor_centre_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return _runs(instance, CENTRE_JOB, **{SENSOR_NAME_TAG: "landing_delivery_sensor"})


def _failure_text(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    lines = [f"{run.job_name} {run.run_id} {run.status}"]
    for entry in instance.all_logs(run.run_id):
        if entry.is_dagster_event and entry.dagster_event.is_step_failure:
            lines.append(str(entry.dagster_event.event_specific_data.error)[:2000])
        elif entry.is_dagster_event and entry.dagster_event.event_type_value == "RUN_FAILURE":
            lines.append(entry.message[:2000])
    return "\n".join(lines)


def _all_succeeded(instance: dg.DagsterInstance, run_ids: list[str], daemon: Daemon) -> bool:
    runs = [instance.get_run_by_id(r) for r in run_ids]
    for run in runs:
        if run.status in FAILED:
            pytest.fail(_failure_text(instance, run) + "\n" + daemon.tail())
    return all(run.status == S.SUCCESS for run in runs)


def _writer_steps(instance: dg.DagsterInstance) -> list[tuple[float, float, str]]:
    """(start, end, step) of every executed step of every run: all write DuckDB."""
    intervals = []
    for run in instance.get_runs():
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time and stat.end_time:
                intervals.append((stat.start_time, stat.end_time,
                                  f"{run.job_name}/{run.tags.get('dagster/partition', '')}"
                                  f"/{stat.step_key}"))
    return sorted(intervals)


def _next_minute_after(seconds: float) -> dt.datetime:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return (moment + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)


@pytest.mark.slow
def test_dagster_daemon_refreshes_on_delivery_and_schedule(tmp_path, monkeypatch):
    landing = small_landing(tmp_path / "landing", keep=CENTRES)
    warehouse = tmp_path / "warehouse"
    home = dagster_home(tmp_path)
    storage = home / "storage"
    fire_at = _next_minute_after(SCHEDULE_AFTER)
    settings = {
        "DAGSTER_HOME": str(home),
        "AML_REGISTRY_DAGSTER_STORAGE": str(storage),
        "AML_REGISTRY_LANDING": str(landing),
        "AML_REGISTRY_WAREHOUSE": str(warehouse),
        "AML_REGISTRY_PSEUDONYM_KEY": TEST_KEY,
        "AML_REGISTRY_SENSOR_INTERVAL_SECONDS": "2",
        "AML_REGISTRY_TIMEZONE": "UTC",
        "AML_REGISTRY_NIGHTLY_CRON": f"{fire_at:%M %H} * * *",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    # the storage is created (and its schema stamped) here, before the daemon and its code
    # server open it: two processes creating a fresh SQLite storage at once can corrupt it
    instance = dg.DagsterInstance.from_config(str(home))
    assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
    assert not instance.get_runs(limit=1) and not instance.get_dynamic_partitions("centre")
    assert instance.event_log_storage.supports_global_concurrency_limits
    daemon = Daemon(home, {**os.environ, **settings}, tmp_path / "daemon.log")
    try:
        # 1. the delivery sensor starts one centre run per centre, through the queue
        first = _wait_for("the delivery sensor's centre runs",
                          lambda: len(_sensor_centre_runs(instance)) >= 2 and
                          _sensor_centre_runs(instance), 150, daemon)
        assert sorted(r.tags["dagster/partition"] for r in first) == list(CENTRES)
        refresh_1 = first[0].tags[REFRESH_TAG]
        assert {r.tags[REFRESH_TAG] for r in first} == {refresh_1}
        assert sorted(instance.get_dynamic_partitions("centre")) == list(CENTRES)
        _wait_for("the centre runs to succeed",
                  lambda: _all_succeeded(instance, [r.run_id for r in first], daemon),
                  180, daemon)
        for run in first:
            queued = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED).records
            assert queued, f"{run.run_id} did not go through the run queue"

        # 2. registry_after_centres starts the registry run; meanwhile NTE delivers again
        registry_1 = _wait_for(
            "the registry run", lambda: _runs(instance, REGISTRY_JOB, **{REFRESH_TAG: refresh_1}),
            90, daemon)
        assert len(registry_1) == 1
        assert registry_1[0].tags[SENSOR_NAME_TAG] == "registry_after_centres"
        add_delivery(landing, "NTE", "2026-12-01")

        # 3. exactly one new centre run, for NTE; it shares the working database with the
        #    registry run through the duckdb_writer pool
        second = _wait_for("the run for the new delivery",
                           lambda: [r for r in _sensor_centre_runs(instance)
                                    if r.tags[REFRESH_TAG] != refresh_1], 90, daemon)
        assert [r.tags["dagster/partition"] for r in second] == ["NTE"]
        refresh_2 = second[0].tags[REFRESH_TAG]
        _wait_for("the registry run to succeed",
                  lambda: _all_succeeded(instance, [registry_1[0].run_id], daemon), 240, daemon)
        published = warehouse / "registry.duckdb"
        assert published.exists()
        started = instance.get_run_record_by_id(registry_1[0].run_id).start_time
        ended = max(instance.get_run_record_by_id(r.run_id).end_time for r in first)
        assert started >= ended, "the registry run started before its centre runs finished"
        with duckdb.connect(str(published), read_only=True) as con:
            refreshes = con.execute("SELECT refresh_id, status FROM meta.refreshes").fetchall()
            centres = {r[0] for r in con.execute(
                "SELECT DISTINCT centre_id FROM analysis.patients").fetchall()}
        assert (refresh_1, "published") in refreshes
        assert centres == set(CENTRES)
        _wait_for("the new delivery's run to succeed",
                  lambda: _all_succeeded(instance, [second[0].run_id], daemon), 180, daemon)
        _wait_for("the registry run of the new delivery",
                  lambda: _runs(instance, REGISTRY_JOB, **{REFRESH_TAG: refresh_2}), 90, daemon)
        time.sleep(6)  # three more sensor ticks: nothing else may start
        assert len(_sensor_centre_runs(instance)) == 3
        assert len(_runs(instance, REGISTRY_JOB, **{REFRESH_TAG: refresh_1})) == 1
        assert len(_runs(instance, REGISTRY_JOB, **{REFRESH_TAG: refresh_2})) == 1

        # 4. the nightly schedule ticks at its cron time: one run per known centre
        wait = (fire_at - dt.datetime.now(dt.UTC)).total_seconds() + 90
        nightly = _wait_for(
            "the nightly schedule's runs",
            lambda: len(runs := _runs(instance, CENTRE_JOB,
                                      **{SCHEDULE_NAME_TAG: "nightly_refresh"})) >= 2 and runs,
            max(wait, 30), daemon)
        assert sorted(r.tags["dagster/partition"] for r in nightly) == list(CENTRES)
        assert {r.tags[REFRESH_TAG] for r in nightly} == {f"nightly-{fire_at:%Y%m%dT%H%M}"}

        # never two DuckDB writers at once, across all runs and the queue
        steps = _writer_steps(instance)
        assert len(steps) >= 2 * len(first) + 5
        for (_s1, end1, step1), (start2, _e2, step2) in zip(steps, steps[1:], strict=False):
            assert start2 >= end1, f"{step1} and {step2} wrote the working database at once"
    finally:
        daemon.stop()
