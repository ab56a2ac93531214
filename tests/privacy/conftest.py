"""Shared fixtures of the privacy tests: a small synthetic landing area, refreshed once by
the command line (``aml-registry refresh``) with a key of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from privacy_support import PRIVACY_KEY, CliRefresh, run_cli, small_landing
from registry_keys import key_environment


@pytest.fixture(scope="session")
def privacy_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_landing(tmp_path_factory.mktemp("privacy") / "landing")


@pytest.fixture(scope="session")
def cli_refresh(privacy_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> CliRefresh:
    """One ``aml-registry refresh`` of the small landing area with :data:`PRIVACY_KEY`."""
    warehouse = tmp_path_factory.mktemp("privacy-warehouse") / "warehouse"
    proc = run_cli(["refresh", "--landing", str(privacy_landing), "--warehouse",
                    str(warehouse)], key_environment(PRIVACY_KEY, os.environ))
    return CliRefresh(privacy_landing, warehouse, proc.returncode, proc.stdout + proc.stderr)
