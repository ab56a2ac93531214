"""The refreshed registry of the analysts' workbench tests (CLI, export, R, notebook): the
session's shared default registry (tests/support/registry_fixtures.py), refreshed once
through ``run_refresh`` on an ephemeral Dagster instance, the same one the integration tests
use."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.refresh import RefreshOutcome


@pytest.fixture(scope="session")
def analyst_warehouse(refreshed: tuple[Path, RefreshOutcome]) -> Path:
    """WAREHOUSE of the shared refresh; its registry.duckdb is what analysts open."""
    warehouse, outcome = refreshed
    assert outcome.published, outcome.message
    return warehouse


@pytest.fixture(scope="session")
def registry_db(analyst_warehouse: Path) -> Path:
    return analyst_warehouse / "registry.duckdb"
