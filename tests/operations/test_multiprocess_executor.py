"""The centre job under Dagster's multiprocess executor, on the repository's dagster.yaml.

Two centre runs go at once, each step in its own process; the ``duckdb_writer`` pool
(limit 1, from ``dagster.yaml``) must keep every write step of both runs apart, and both
centres must end up in the raw and staging layers of the one working database.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from ops_support import TEST_KEY, small_landing

from assets.partitions import DUCKDB_WRITER_POOL
from pipelines.definitions import REPO_ROOT

CENTRES = ("LYS", "NTE")
#: forkserver with the project preloaded: each step process forks from a warm interpreter
#: instead of importing dagster, pandas and the project again (seconds per step).
MULTIPROCESS = {"execution": {"config": {"multiprocess": {
    "max_concurrent": 2,
    "start_method": {"forkserver": {"preload_modules": ["pipelines.definitions"]}}}}}}


@pytest.mark.slow
def test_centre_runs_under_the_multiprocess_executor_share_one_writer(tmp_path, monkeypatch):
    landing = small_landing(tmp_path / "landing", keep=CENTRES)
    warehouse = tmp_path / "warehouse"
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("AML_REGISTRY_DAGSTER_STORAGE", str(home / "storage"))
    job = dg.build_reconstructable_job(
        "ops_support", "centre_refresh_job",
        reconstructable_args=(str(landing), str(warehouse), TEST_KEY),
        reconstructor_working_directory=str(Path(__file__).parent))

    results: dict[str, object] = {}

    def run(centre: str) -> None:
        # one instance object per thread (same storage), as two launched runs would have
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            results[centre] = dg.execute_job(
                job, instance=instance, run_config=MULTIPROCESS,
                tags={"dagster/partition": centre, "aml_registry/refresh_id": "mp-test"})
        except Exception as exc:  # reported below, with the centre
            results[centre] = exc

    instance = dg.DagsterInstance.from_config(str(home))
    instance.add_dynamic_partitions("centre", list(CENTRES))
    threads = [threading.Thread(target=run, args=(c,)) for c in CENTRES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a multiprocess run did not finish in 300 s"

    intervals = []
    for centre in CENTRES:
        result = results[centre]
        assert isinstance(result, dg.JobExecutionResult), f"{centre}: {result!r}"
        assert result.success, f"{centre}: {[e.message for e in result.get_step_failure_events()]}"
        engine = [e.message for e in result.all_events if e.event_type_value == "ENGINE_EVENT"]
        assert any("multiprocess executor" in (m or "") for m in engine)
        pids = {e.pid for e in result.all_events if e.is_step_start}
        assert len(pids) == 2, f"{centre}: expected one process per step, saw pids {pids}"
        for stat in instance.get_run_step_stats(result.run_id):
            intervals.append((stat.start_time, stat.end_time, f"{centre}/{stat.step_key}"))

    # the pool's limit comes from dagster.yaml (pools: default_limit: 1) ...
    assert instance.event_log_storage.get_concurrency_info(DUCKDB_WRITER_POOL).slot_count == 1
    # ... and no two write steps of the two runs ever overlapped
    intervals.sort()
    assert len(intervals) == 4
    for (_s1, end1, step1), (start2, _e2, step2) in zip(intervals, intervals[1:], strict=False):
        assert start2 >= end1, f"{step1} and {step2} wrote the working database at once"

    with duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True) as con:
        raw = dict(con.execute("SELECT centre_id, count(*) FROM raw.patients GROUP BY 1").fetchall())
        staged = dict(con.execute(
            "SELECT centre_id, count(*) FROM staging.patients GROUP BY 1").fetchall())
    assert sorted(raw) == sorted(staged) == list(CENTRES)
    assert all(staged[c] > 0 and staged[c] <= raw[c] for c in CENTRES)
