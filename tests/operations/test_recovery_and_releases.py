"""Crash recovery's building blocks (dead processes, orphan pool slots) and the release swap
that publishes database, report and data docs together (issue 18)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.recovery import (
    HOST_TAG,
    PID_TAG,
    PROCESS_START_TAG,
    free_orphan_slots,
    process_is_alive,
    recover_dead_runs,
    this_process_tags,
)
from warehouse.database import Warehouse
from warehouse.publish import (
    CURRENT_LINK,
    RELEASE_MANIFEST,
    current_release,
    prune_releases,
    release_data_docs_dir,
    release_dir,
    release_name,
    release_report_dir,
    swap_release,
)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_process_liveness_uses_pid_and_start_time() -> None:
    tags = this_process_tags()
    assert process_is_alive(os.getpid(), tags.get(PROCESS_START_TAG))
    assert not process_is_alive(_dead_pid())
    assert not process_is_alive(0)
    if PROCESS_START_TAG in tags:  # a re-used pid is not the run's process
        assert not process_is_alive(os.getpid(), str(int(tags[PROCESS_START_TAG]) + 1))


def _pool_instance(tmp_path: Path) -> dg.DagsterInstance:
    (tmp_path / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {tmp_path / 'storage'}\n"
        "concurrency:\n  pools:\n    default_limit: 1\n", encoding="utf-8")
    return dg.DagsterInstance.from_config(str(tmp_path))


@dg.asset(pool="duckdb_writer")
def _writer() -> int:
    return 1


def test_a_dead_run_is_failed_and_its_slot_freed(tmp_path: Path) -> None:
    instance = _pool_instance(tmp_path)
    job = dg.Definitions(assets=[_writer], jobs=[dg.define_asset_job("writer_job")]
                         ).resolve_job_def("writer_job")
    dead = _dead_pid()
    run = instance.create_run_for_job(job, tags={PID_TAG: str(dead), HOST_TAG:
                                                 this_process_tags()[HOST_TAG]})
    instance.handle_run_event(run.run_id, dg.DagsterEvent(
        event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name))
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default("duckdb_writer")
    claim = storage.claim_concurrency_slot("duckdb_writer", run.run_id, "_writer")
    assert claim.is_claimed
    alive = instance.create_run_for_job(job, tags=this_process_tags())
    instance.handle_run_event(alive.run_id, dg.DagsterEvent(
        event_type_value=dg.DagsterEventType.RUN_START.value, job_name=alive.job_name))
    lines: list[str] = []
    report = recover_dead_runs(instance, lines.append)
    assert report.failed_runs == [run.run_id] and report.freed_runs == [run.run_id]
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    assert storage.get_concurrency_info("duckdb_writer").claimed_slots == []
    assert any("marked failed" in m and str(dead) in m for m in lines)
    assert any("freed the duckdb_writer slot" in m for m in lines)
    # idempotent: nothing left to do
    assert recover_dead_runs(instance, lines.append).failed_runs == []
    assert free_orphan_slots(instance, lines.append) == []


def _build_release(wh: Warehouse, refresh: str, run_id: str) -> str:
    release = release_name(refresh, run_id)
    for folder, page in ((release_report_dir(wh, release), "report.html"),
                         (release_data_docs_dir(wh, release), "index.html")):
        folder.mkdir(parents=True)
        (folder / page).write_text(refresh, encoding="utf-8")
    # what publish_registry writes into a release (its copy of the working database is
    # exercised by the integration tests): the database file and the manifest, then the swap
    con = duckdb.connect(str(release_dir(wh, release) / "registry.duckdb"))
    con.execute("CREATE SCHEMA analysis")
    con.execute("CREATE TABLE analysis.t AS SELECT ? AS refresh", [refresh])
    con.close()
    (release_dir(wh, release) / RELEASE_MANIFEST).write_text(json.dumps(
        {"release": release, "refresh_id": refresh}))
    swap_release(wh, release)
    return release


def _published(wh: Warehouse) -> tuple[str, str, str]:
    con = duckdb.connect(str(wh.published_path), read_only=True)
    try:
        db = con.execute("SELECT refresh FROM analysis.t").fetchone()[0]
    finally:
        con.close()
    return (db, (wh.report_dir / "report.html").read_text(),
            (wh.data_docs_dir / "index.html").read_text())


def test_database_report_and_docs_are_swapped_together(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh")
    # a warehouse published before releases: real file and folders, migrated to links
    wh.root.mkdir()
    duckdb.connect(str(wh.published_path)).close()
    (wh.root / "report").mkdir()
    (wh.root / "report" / "report.html").write_text("old")
    first = _build_release(wh, "r1", "aaaaaaaa-1")
    assert _published(wh) == ("r1", "r1", "r1")
    assert (wh.root / CURRENT_LINK).is_symlink() and wh.published_path.is_symlink()
    assert current_release(wh) == first
    # a run that built only part of its release publishes nothing
    partial = release_name("r2", "bbbbbbbb-2")
    release_report_dir(wh, partial).mkdir(parents=True)
    with pytest.raises(RuntimeError, match="incomplete"):
        swap_release(wh, partial)
    assert _published(wh) == ("r1", "r1", "r1")
    for i in range(2, 6):
        _build_release(wh, f"r{i}", f"cccccccc-{i}")
    assert _published(wh) == ("r5", "r5", "r5")
    manifest = json.loads((wh.root / CURRENT_LINK / RELEASE_MANIFEST).read_text())
    assert manifest["refresh_id"] == "r5"
    kept = sorted(p.name for p in (wh.root / ".releases").iterdir()
                  if (p / RELEASE_MANIFEST).exists())
    assert len(kept) == 3 and first not in kept
    # the unfinished release is left alone until it is a day old, then removed
    assert partial in {p.name for p in (wh.root / ".releases").iterdir()}
    import time

    assert partial in prune_releases(wh, now=time.time() + 2 * 24 * 3600)
