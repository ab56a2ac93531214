"""Shared fixtures: the default synthetic registry, generated and refreshed once per worker."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from integration_support import TEST_KEY, write_demo_marker

from pipelines.refresh import RefreshOutcome, run_refresh
from synthetic_registry import generate_registry


@pytest.fixture(scope="session")
def default_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("landing") / "landing"
    generate_registry(landing)
    write_demo_marker(landing)
    return landing


@pytest.fixture(scope="session")
def refreshed(default_landing: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, RefreshOutcome]:
    """The default registry refreshed once into a warehouse, with a fixed test key."""
    warehouse = tmp_path_factory.mktemp("warehouse")
    old = os.environ.get("AML_REGISTRY_PSEUDONYM_KEY")
    os.environ["AML_REGISTRY_PSEUDONYM_KEY"] = TEST_KEY
    try:
        outcome = run_refresh(default_landing, warehouse, progress=lambda _m: None,
                              instance=dg.DagsterInstance.ephemeral())
    finally:
        if old is None:
            os.environ.pop("AML_REGISTRY_PSEUDONYM_KEY", None)
        else:
            os.environ["AML_REGISTRY_PSEUDONYM_KEY"] = old
    return warehouse, outcome


@pytest.fixture(scope="module")
def published(refreshed):
    """The published database of the shared refresh, opened read-only as an analyst would."""
    warehouse, outcome = refreshed
    assert outcome.published, outcome.message
    con = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    yield con
    con.close()
