"""Fixtures: one simulated registry (exponential hazards), its tables and its report."""

from __future__ import annotations

import pytest

from outcome_report import build_outcome_tables, render_report
from outcome_report.synthetic import simulate_registry


@pytest.fixture(scope="session")
def registry():
    return simulate_registry(n_azaven_tx=90, n_ic_tx=80, n_other=150, seed=7)


@pytest.fixture(scope="session")
def tables(registry):
    patients, endpoints, snapshot = registry
    return build_outcome_tables(patients, endpoints, snapshot)


@pytest.fixture(scope="session")
def report(registry, tables, tmp_path_factory):
    patients, endpoints, snapshot = registry
    out = tmp_path_factory.mktemp("report")
    return render_report(tables, patients, endpoints, snapshot, out)
