"""The compiled KM / log-rank merges (used from 100,000 subjects) equal the numpy paths (used
below, where numba's import would cost more than the estimate) on tied and continuous data,
with strata and rho; both paths are checked against R in the reference tests."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survival_stats.kaplan_meier import kaplan_meier
from survival_stats.logrank import logrank_test

# the modules themselves (the package binds the function names, which shadow the modules)
km_module = importlib.import_module("survival_stats.kaplan_meier")
lr_module = importlib.import_module("survival_stats.logrank")


def _both(monkeypatch, fn, *args, **kwargs):
    monkeypatch.setattr(km_module, "COMPILED_FROM", 10**12)
    monkeypatch.setattr(lr_module, "COMPILED_FROM", 10**12)
    numpy_result = fn(*args, **kwargs)
    monkeypatch.setattr(km_module, "COMPILED_FROM", 0)
    monkeypatch.setattr(lr_module, "COMPILED_FROM", 0)
    return numpy_result, fn(*args, **kwargs)


@pytest.mark.parametrize("decimals", [0, 1, None])
@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_logrank_paths_agree(monkeypatch, decimals, rho):
    rng = np.random.default_rng(11)
    n = 3000
    t = rng.exponential(10, n)
    t = np.round(t, decimals) if decimals is not None else t
    e, g, s = rng.integers(0, 2, n), rng.integers(0, 4, n), rng.integers(0, 2, n)
    a, b = _both(monkeypatch, logrank_test, t, e, g, strata=s, rho=rho)
    assert np.allclose(a.observed, b.observed, rtol=1e-12)
    assert np.allclose(a.expected, b.expected, rtol=1e-12)
    assert np.allclose(a.variance, b.variance, rtol=1e-11, atol=1e-12)
    assert np.isclose(a.statistic, b.statistic, rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 1), st.integers(0, 2)),
                min_size=1, max_size=60))
def test_km_paths_agree(rows):
    t = np.array([r[0] for r in rows], float)
    e = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    saved = km_module.COMPILED_FROM
    try:
        km_module.COMPILED_FROM = 10**12
        a = kaplan_meier(t, e, g)
        km_module.COMPILED_FROM = 0
        b = kaplan_meier(t, e, g)
    finally:
        km_module.COMPILED_FROM = saved
    for x, y in zip(a, b, strict=True):
        assert x.group == y.group and x.n == y.n
        for field in ("time", "n_risk", "n_event", "n_censor"):
            assert np.array_equal(getattr(x, field), getattr(y, field)), field
        assert np.allclose(x.surv, y.surv, rtol=0, atol=0)
