"""Session fixtures: each registry is generated once per test session (the default one,
``default_registry``, is shared with the other directories: tests/support/registry_fixtures.py)."""

from __future__ import annotations

import pytest

from synthetic_registry import DEFAULT_SEED, GenerationSummary, generate_registry, simulate_truth
from synthetic_registry.model import ChunkTruth

LARGE_SAMPLE = 20_000


@pytest.fixture(scope="session")
def defect_registry(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate_registry(tmp_path_factory.mktemp("defects") / "landing", defect_rate=0.02)


@pytest.fixture(scope="session")
def default_truth() -> ChunkTruth:
    return simulate_truth(DEFAULT_SEED)


@pytest.fixture(scope="session")
def large_truth() -> ChunkTruth:
    return simulate_truth(DEFAULT_SEED, LARGE_SAMPLE)


