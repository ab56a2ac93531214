"""The default synthetic registry, generated once and refreshed once per test session.

Loaded as a pytest plugin (``-p registry_fixtures`` in pyproject.toml's addopts), so its
session fixtures are one fixture for every test directory: the generator, extraction,
integration and analysts tests share one generation and one refresh per session (per xdist
worker), however many of those directories the session runs. Heavy imports (Dagster, the
pipeline) are deferred to the fixtures, so a session that needs no registry does not pay them.

- ``default_registry``: the default (study-sized) landing area as generated (read-only: the
  generator tests compare its bytes).
- ``default_landing``: a copy of it with the synthetic marker, for refreshes.
- ``refreshed``: ``default_landing`` refreshed into a warehouse with :data:`REGISTRY_TEST_KEY`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pipelines.refresh import RefreshOutcome
    from synthetic_registry import GenerationSummary

#: Not a secret: the key of the shared refreshed warehouse (tests recompute pseudonyms with it).
REGISTRY_TEST_KEY = "integration-test-key-0123456789"


def write_demo_marker(landing: Path) -> None:
    """Mark a generated landing area as synthetic, as `aml-registry generate` does.

    The marker alone never selects the demo key: a refresh uses the session's test key
    (tests/support/registry_keys.py) unless demo mode is chosen explicitly
    (``run_refresh(..., demo=True)``, ``--demo``, ``AML_REGISTRY_DEMO=1``), which the marker
    then allows.
    """
    from warehouse.pseudonym import DEMO_MARKER

    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")


def refreshed_centres(root: Path, centres: tuple[str, ...], patients: int
                      ) -> tuple[Path, Path]:
    """A small registry of only ``centres`` (generated with ``patients`` in all, the other
    centres' folders removed), marked synthetic and refreshed once into ``root/warehouse``
    with the session's key and an ephemeral Dagster instance; returns (landing, warehouse)."""
    import dagster as dg

    from pipelines.refresh import run_refresh
    from schemas.dialect import discover_centres
    from synthetic_registry import generate_registry

    landing, warehouse = root / "landing", root / "warehouse"
    generate_registry(landing, patients=patients)
    for centre, folder in discover_centres(landing).items():
        if centre not in centres:
            shutil.rmtree(folder)
    write_demo_marker(landing)
    outcome = run_refresh(landing, warehouse, progress=lambda _m: None,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome.message
    return landing, warehouse


@pytest.fixture(scope="session")
def default_registry(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """The default (study-sized) synthetic registry, generated once per session."""
    from synthetic_registry import generate_registry

    return generate_registry(tmp_path_factory.mktemp("default_registry") / "landing")


@pytest.fixture(scope="session")
def default_landing(default_registry: GenerationSummary,
                    tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the default registry's landing area, marked synthetic, to refresh from."""
    landing = tmp_path_factory.mktemp("landing") / "landing"
    shutil.copytree(default_registry.landing, landing)
    write_demo_marker(landing)
    return landing


@pytest.fixture(scope="session")
def refreshed(default_landing: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, RefreshOutcome]:
    """The default registry refreshed once into a warehouse, with :data:`REGISTRY_TEST_KEY`."""
    import dagster as dg

    from pipelines.refresh import run_refresh
    from warehouse.pseudonym import PSEUDONYM_KEY_ENV

    warehouse = tmp_path_factory.mktemp("warehouse")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(PSEUDONYM_KEY_ENV, REGISTRY_TEST_KEY)
        outcome = run_refresh(default_landing, warehouse, progress=lambda _m: None,
                              instance=dg.DagsterInstance.ephemeral())
    return warehouse, outcome
