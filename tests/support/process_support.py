"""Helpers for the tests that start long-running processes (dagster-webserver, dagster-daemon).

On the test path through ``pythonpath = ["tests/support"]`` (pyproject.toml; a folder of
its own, so that no test folder shadows a package), so that the browser
and the operations tests share it without depending on collection order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop_process_group(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the process group ``proc`` leads (started with ``start_new_session``), then
    SIGKILL to whatever is left of it (code servers, runs still going)."""
    pgid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=timeout)
