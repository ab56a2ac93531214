"""Helpers shared by the browser tests (imported by name: tests have no packages)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from process_support import stop_process_group

from pipelines.definitions import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
TEST_KEY = "browser-test-key-0123456789"


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} "
                    "(`make browsers` installs it); the browser tests need it")


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def _loopback_only(route) -> None:
    """Let the page load only from this machine: loopback, files and inline data."""
    url = route.request.url
    local = url.startswith(("file:", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1"))
    if local:
        route.continue_()
    else:
        route.abort()


@contextlib.contextmanager
def chromium_page(width: int = 1600, height: int = 1000) -> Iterator:
    """A page of headless Debian Chromium in a fresh profile, closed afterwards."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height})
            try:
                context.route("**/*", _loopback_only)
                page = context.new_page()
                page.set_default_timeout(60_000)
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webserver:
    """``dagster-webserver`` on loopback with the project's definitions, in its own process
    group (the code server it starts goes with it)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-webserver")),
             "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(self.port),
             "--read-only"],
            cwd=REPO_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"dagster-webserver exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"dagster-webserver not ready after {timeout:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        stop_process_group(self.proc)
        self._log_file.close()
