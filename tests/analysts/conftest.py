"""One small refreshed registry for the analysts' workbench tests (CLI, export, R, notebook).

The default synthetic registry cut to four AZA/VEN centres and the IC comparator centre
(PSL), refreshed once per session through ``run_refresh`` on an ephemeral Dagster instance.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.refresh import run_refresh
from synthetic_registry import generate_registry
from warehouse.pseudonym import DEMO_MARKER

TEST_KEY = "analysts-test-key-0123456789abcdef"
CENTRES = ("LYS", "GRE", "BDX", "NTE", "PSL")


@pytest.fixture(scope="session")
def analyst_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """WAREHOUSE of a fresh refresh; its registry.duckdb is what analysts open."""
    root = tmp_path_factory.mktemp("analysts")
    landing, warehouse = root / "landing", root / "warehouse"
    generate_registry(landing)
    for folder in landing.iterdir():
        if folder.is_dir() and folder.name not in CENTRES:
            shutil.rmtree(folder)
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
    old = os.environ.get("AML_REGISTRY_PSEUDONYM_KEY")
    os.environ["AML_REGISTRY_PSEUDONYM_KEY"] = TEST_KEY
    try:
        outcome = run_refresh(landing, warehouse, progress=lambda _m: None,
                              instance=dg.DagsterInstance.ephemeral())
    finally:
        if old is None:
            os.environ.pop("AML_REGISTRY_PSEUDONYM_KEY", None)
        else:
            os.environ["AML_REGISTRY_PSEUDONYM_KEY"] = old
    assert outcome.published, outcome.message
    return warehouse


@pytest.fixture(scope="session")
def registry_db(analyst_warehouse: Path) -> Path:
    return analyst_warehouse / "registry.duckdb"
