"""Shared fixtures of the extraction and staging tests.

The default synthetic registry is generated, extracted and staged ONCE per test session
(per xdist worker); hand-built centres use :func:`write_centre`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from extraction_support import LoadedRegistry, load_all

from synthetic_registry import GenerationSummary, generate_registry
from warehouse.database import Warehouse


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh working database."""
    with Warehouse(tmp_path / "wh").connect() as connection:
        yield connection


@pytest.fixture(scope="session")
def default_registry(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """The default (study-sized) synthetic registry, generated once per session."""
    return generate_registry(tmp_path_factory.mktemp("extraction_default") / "landing")


@pytest.fixture(scope="session")
def loaded_default(default_registry: GenerationSummary,
                   tmp_path_factory: pytest.TempPathFactory) -> LoadedRegistry:
    """The default registry extracted and staged, every centre (once per session)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("extraction_default_wh"))
    with warehouse.connect() as connection:
        ext, stg, fail = load_all(connection, default_registry.landing)
    return LoadedRegistry(default_registry.landing, warehouse, ext, stg, fail)
