"""The centre job under Dagster's multiprocess executor, on the repository's dagster.yaml.

Two centre runs go at once, each in its own process as launched runs are, and each step of
each run in a process of its own; the ``duckdb_writer`` pool (limit 1, from ``dagster.yaml``)
must keep every write step of both runs apart, and both centres must end up in the raw and
staging layers of the one working database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from ops_support import dagster_home, small_landing

from assets.partitions import DUCKDB_WRITER_POOL
from pipelines.definitions import REPO_ROOT

CENTRES = ("LYS", "NTE")
HERE = Path(__file__).parent


@pytest.mark.slow
def test_centre_runs_under_the_multiprocess_executor_share_one_writer(tmp_path, monkeypatch):
    landing = small_landing(tmp_path / "landing", keep=CENTRES)
    warehouse = tmp_path / "warehouse"
    home = dagster_home(tmp_path)
    monkeypatch.setenv("AML_REGISTRY_DAGSTER_STORAGE", str(home / "storage"))
    instance = dg.DagsterInstance.from_config(str(home))
    instance.add_dynamic_partitions("centre", list(CENTRES))

    env = {**os.environ, "AML_REGISTRY_DAGSTER_STORAGE": str(home / "storage")}
    logs = {c: (tmp_path / f"run-{c}.log").open("w") for c in CENTRES}
    procs: dict[str, subprocess.Popen] = {}

    def start(centre: str) -> None:
        procs[centre] = subprocess.Popen(
            [sys.executable, str(HERE / "ops_support.py"), str(landing), str(warehouse),
             str(home), centre],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=logs[centre], text=True,
            start_new_session=True)

    run_ids: dict[str, str] = {}
    try:
        # The second run starts once the first holds the writer slot. Dagster 1.13's SQLite
        # storage claims a pool slot with a SELECT then an UPDATE by id (SQLite ignores FOR
        # UPDATE SKIP LOCKED), so two processes claiming in the same millisecond can both
        # get the one slot: seen once with both runs started together (their raw steps
        # overlapped by 0.5 s; DuckDB's file lock then fails one step, nothing is corrupted).
        start(CENTRES[0])
        deadline = time.monotonic() + 240
        while not instance.event_log_storage.get_concurrency_info(
                DUCKDB_WRITER_POOL).claimed_slots and procs[CENTRES[0]].poll() is None:
            assert time.monotonic() < deadline, "the first run never claimed the writer slot"
            time.sleep(0.1)
        start(CENTRES[1])
        for centre, proc in procs.items():
            out, _ = proc.communicate(timeout=300)
            log = (tmp_path / f"run-{centre}.log").read_text()[-3000:]
            assert proc.returncode == 0, f"{centre} run failed:\n{log}"
            run_ids[centre] = out.strip().splitlines()[-1]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # this test's own process group
                proc.wait(timeout=15)
        for f in logs.values():
            f.close()

    intervals = []
    for centre, run_id in run_ids.items():
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS, centre
        assert run.tags["dagster/partition"] == centre
        entries = [e for e in instance.all_logs(run_id) if e.is_dagster_event]
        engine = [e.message for e in entries if e.dagster_event.event_type_value == "ENGINE_EVENT"]
        assert any("multiprocess executor" in (m or "") for m in engine), engine
        step_pids = {e.step_key: e.dagster_event.pid for e in entries
                     if e.dagster_event.is_step_start}
        assert sorted(step_pids) == ["harmonised_centre", "raw_centre_exports",
                                     "staging_centre_tables"]
        assert len(set(step_pids.values())) == 3, f"{centre}: one process per step {step_pids}"
        for stat in instance.get_run_step_stats(run_id):
            intervals.append((stat.start_time, stat.end_time, f"{centre}/{stat.step_key}"))

    # the pool's limit comes from dagster.yaml (pools: default_limit: 1) ...
    assert instance.event_log_storage.get_concurrency_info(DUCKDB_WRITER_POOL).slot_count == 1
    # ... and no two write steps of the two runs ever overlapped
    intervals.sort()
    assert len(intervals) == 6  # two centres x (raw, staging, harmonised)
    for (_s1, end1, step1), (start2, _e2, step2) in zip(intervals, intervals[1:], strict=False):
        assert start2 >= end1, f"{step1} and {step2} wrote the working database at once"

    with duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True) as con:
        raw = dict(con.execute("SELECT centre_id, count(*) FROM raw.patients GROUP BY 1").fetchall())
        staged = dict(con.execute(
            "SELECT centre_id, count(*) FROM staging.patients GROUP BY 1").fetchall())
    assert sorted(raw) == sorted(staged) == list(CENTRES)
    assert all(0 < staged[c] <= raw[c] for c in CENTRES)
