"""The code version recorded with every refresh and outcome table."""

from __future__ import annotations

import functools
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def code_version() -> str:
    """``<package version>+<git commit>`` (with ``.dirty`` for uncommitted changes)."""
    try:
        pkg = version("aml-registry")
    except PackageNotFoundError:
        pkg = "0+unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=5, check=True
                                ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
                               ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return pkg
    return f"{pkg}+{commit}{'.dirty' if dirty else ''}"
