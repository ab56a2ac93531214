"""Crash recovery without a hand: runs and concurrency slots left behind by dead processes.

A refresh killed with SIGKILL (power cut, OOM killer, ``kill -9``) leaves its Dagster run
STARTED and keeps its step's slot in the ``duckdb_writer`` pool, so every later run of the
pool waits for ever. Before each refresh (and at each tick of the registry sensor) the runs
that are still in progress according to the instance are checked: a run whose process is dead
(its pid and host, recorded in the run's tags by ``aml-registry refresh`` or in the run
worker's "Started process for run (pid: N)" engine event by Dagster's launcher, with the
process start time so that a re-used pid is not taken for the run) is marked failed, and
every slot or pending slot claim of a finished or missing run is freed, each with a log line.

Source: Dagster's run monitoring (``run_monitoring.free_slots_after_run_end_seconds``,
dagster/_daemon/monitoring/concurrency.py) frees slots of finished runs only and cannot tell
a dead in-process run from a live one; the checks here cover that case.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

PID_TAG = "aml_registry/pid"
HOST_TAG = "aml_registry/host"
PROCESS_START_TAG = "aml_registry/process_start"
IN_PROGRESS = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
               dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED}


def process_start_ticks(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux ``/proc/PID/stat`` field
    22), or None when the process does not exist, is a zombie or the system has no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) ": state is field 3
    if not fields or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_is_alive(pid: int, start: str | None = None) -> bool:
    """Whether the process ``pid`` (started at ``start`` ticks, when known) still runs."""
    if pid <= 0:
        return False
    if Path("/proc").is_dir():
        ticks = process_start_ticks(pid)
        return ticks is not None and (start is None or ticks == start)
    try:  # no /proc (macOS): signal 0 only tells that some process has this pid
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in process (pid, host, start time)."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    start = process_start_ticks(os.getpid())
    if start is not None:
        tags[PROCESS_START_TAG] = start
    return tags


@dataclass
class RecoveryReport:
    """What recovery did: runs marked failed and runs whose slots were freed."""

    failed_runs: list[str] = field(default_factory=list)
    freed_runs: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def _worker_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int | None, str | None,
                                                                           str | None]:
    """(pid, host, start ticks) of a run's process: our tags, else the launcher's engine event."""
    if run.tags.get(PID_TAG):
        return (int(run.tags[PID_TAG]), run.tags.get(HOST_TAG),
                run.tags.get(PROCESS_START_TAG))
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = getattr(event, "engine_event_data", None) if event else None
        pid = data.metadata.get("pid") if data is not None and data.metadata else None
        message = record.event_log_entry.message or ""
        if pid is not None and "Started process for run" in message:
            # the default run launcher starts run workers on this machine
            return int(str(pid.value)), socket.gethostname(), None
    return None, None, None


def recover_dead_runs(instance: dg.DagsterInstance,
                      log: Callable[[str], None] = print) -> RecoveryReport:
    """Mark runs of dead processes failed and free the concurrency slots they hold.

    Only runs whose process is known (pid and host) and runs on this host are judged; a run
    of another host, or one still being launched, is left to Dagster's run monitoring.
    """
    report = RecoveryReport()
    host = socket.gethostname()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS), limit=1000):
        pid, run_host, start = _worker_pid(instance, run)
        if pid is None or run_host != host:
            continue
        if pid == os.getpid() and (start is None or start == process_start_ticks(pid)):
            continue  # this process's own run
        if process_is_alive(pid, start):
            continue
        partition = run.tags.get("dagster/partition")
        what = f"{run.job_name}" + (f" (partition {partition})" if partition else "")
        message = (f"run {run.run_id} of {what} was {run.status.value} but its process "
                   f"(pid {pid} on {run_host}) is gone: marked failed by crash recovery")
        instance.report_run_failed(run, message)
        report.failed_runs.append(run.run_id)
        report.messages.append(message)
        log(f"recovery: {message}")
    report.freed_runs = free_orphan_slots(instance, log)
    return report


def free_orphan_slots(instance: dg.DagsterInstance,
                      log: Callable[[str], None] = print) -> list[str]:
    """Free the pool slots and pending slot claims of runs that are finished or unknown."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    holders: dict[str, set[str]] = {}
    for key in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(key)
        for slot in info.claimed_slots:
            holders.setdefault(slot.run_id, set()).add(key)
        for step in info.pending_steps:
            holders.setdefault(step.run_id, set()).add(key)
    freed = []
    for run_id, keys in sorted(holders.items()):
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status not in FINISHED:
            continue
        storage.free_concurrency_slots_for_run(run_id)
        state = "unknown to the instance" if run is None else run.status.value
        log(f"recovery: freed the {', '.join(sorted(keys))} slot(s) held by run {run_id} "
            f"({state})")
        freed.append(run_id)
    return freed
