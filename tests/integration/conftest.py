"""Fixtures of the integration tests; the shared refreshed registry (``default_landing``,
``refreshed``) comes from tests/support/registry_fixtures.py, once per session."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def published(refreshed):
    """The published database of the shared refresh, opened read-only as an analyst would."""
    warehouse, outcome = refreshed
    assert outcome.published, outcome.message
    con = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    yield con
    con.close()
