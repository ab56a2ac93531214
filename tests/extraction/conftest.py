"""Shared fixtures of the extraction and staging tests.

The default synthetic registry (``default_registry``, tests/support/registry_fixtures.py,
shared with the other test directories) is extracted and staged ONCE per test session (per
xdist worker); hand-built centres use :func:`write_centre`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from extraction_support import LoadedRegistry, load_all

from synthetic_registry import GenerationSummary
from warehouse.database import Warehouse


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh working database."""
    with Warehouse(tmp_path / "wh").connect() as connection:
        yield connection


@pytest.fixture(scope="session")
def loaded_default(default_registry: GenerationSummary,
                   tmp_path_factory: pytest.TempPathFactory) -> LoadedRegistry:
    """The default registry extracted and staged, every centre (once per session)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("extraction_default_wh"))
    with warehouse.connect() as connection:
        ext, stg, fail = load_all(connection, default_registry.landing)
    return LoadedRegistry(default_registry.landing, warehouse, ext, stg, fail)
