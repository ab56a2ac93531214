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


nk_module = importlib.import_module("survival_stats._numpy_kernels")


def _both_competing(monkeypatch, fn, *args, **kwargs):
    monkeypatch.setattr(nk_module, "COMPILED_FROM", 10**12)
    numpy_result = fn(*args, **kwargs)
    monkeypatch.setattr(nk_module, "COMPILED_FROM", 0)
    return numpy_result, fn(*args, **kwargs)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("decimals", [0, 1, None])
@pytest.mark.parametrize("rho", [0.0, 0.5, -1.0])
def test_gray_and_cif_numpy_path_equals_compiled(monkeypatch, decimals, rho):
    from survival_stats.competing_risks import competing_risks
    from survival_stats.gray_test import gray_test

    rng = np.random.default_rng(17)
    n = 2500
    t = rng.exponential(10, n)
    t = np.round(t, decimals) if decimals is not None else t
    s, g, h = rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(0, 2, n)
    a, b = _both_competing(monkeypatch, gray_test, t, s, g, strata=h, rho=rho)
    assert len(a) == len(b) == 3
    for x, y in zip(a, b, strict=True):
        assert x.cause == y.cause and x.df == y.df
        assert np.isclose(x.statistic, y.statistic, rtol=1e-12)
        assert _close(x.score, y.score) and _close(x.variance, y.variance)
    ca, cb = _both_competing(monkeypatch, competing_risks, t, s, g)
    assert len(ca.curves) == len(cb.curves) == 9
    for x, y in zip(ca.curves, cb.curves, strict=True):
        assert (x.group, x.cause, x.n) == (y.group, y.cause, y.n)
        assert np.array_equal(x.time, y.time) and np.array_equal(x.risk_n, y.risk_n)
        assert _close(x.estimate, y.estimate) and _close(x.variance, y.variance)
    for x, y in zip(ca.tests, cb.tests, strict=True):
        assert np.isclose(x.statistic, y.statistic, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 2), st.integers(0, 2)),
                min_size=1, max_size=60))
def test_competing_risks_paths_agree_on_small_tied_samples(rows):
    from survival_stats.competing_risks import competing_risks

    t, s, g = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    with pytest.MonkeyPatch.context() as mp:
        a, b = _both_competing(mp, competing_risks, t, s.astype(int), g)
    for x, y in zip(a.curves, b.curves, strict=True):
        assert np.array_equal(x.time, y.time)
        assert _close(x.estimate, y.estimate) and _close(x.variance, y.variance)
    for x, y in zip(a.tests, b.tests, strict=True):
        assert np.isclose(x.statistic, y.statistic, rtol=1e-12, equal_nan=True)
        assert _close(x.score, y.score) and _close(x.variance, y.variance)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("stratified", [False, True])
def test_cox_numpy_path_equals_compiled(monkeypatch, ties, weighted, stratified):
    import pandas as pd

    from survival_stats.cox import cox_ph

    rng = np.random.default_rng(23)
    n = 1500
    frame = pd.DataFrame({
        "time": np.round(rng.exponential(10, n)),           # many tied times
        "status": rng.integers(0, 2, n),
        "age": np.round(rng.normal(50, 10, n)),               # tied risk scores too
        "arm": rng.choice(["a", "b", "c"], n),
        "centre": rng.integers(0, 3, n),
        "w": rng.uniform(0.5, 2.0, n),
    })
    kwargs = {"ties": ties, "weights": "w" if weighted else None,
              "strata": "centre" if stratified else None}
    monkeypatch.setattr(nk_module, "COX_COMPILED_FROM", 10**12)
    a = cox_ph(frame, "time", "status", ["age", "arm"], **kwargs)
    monkeypatch.setattr(nk_module, "COX_COMPILED_FROM", 0)
    b = cox_ph(frame, "time", "status", ["age", "arm"], **kwargs)
    assert [t.term for t in a.terms] == [t.term for t in b.terms]
    for x, y in zip(a.terms, b.terms, strict=True):
        assert np.isclose(x.coef, y.coef, rtol=1e-10, atol=1e-12)
        assert np.isclose(x.se, y.se, rtol=1e-10, atol=1e-12)
    assert np.isclose(a.concordance, b.concordance, rtol=1e-12)
    assert np.isclose(a.loglik, b.loglik, rtol=1e-12)


@pytest.mark.parametrize("n_groups", [2, 7])  # 7 groups x 3 codes: the argsort order, not the merge
def test_event_streams_equal_the_tied_time_tables(monkeypatch, n_groups):
    """The compiled walks over the time-ordered subjects (one for the tests of every cause,
    one for the curves of every group; the subjects merged in parallel time ranges) give what
    numpy gives from the tied-time table."""
    from survival_stats.competing_risks import competing_risks

    # the merge cut into three time ranges, as on a machine with threads to spare
    monkeypatch.setattr(importlib.import_module("survival_stats.event_stream"),
                        "worker_threads", lambda n: 3)
    rng = np.random.default_rng(41 + n_groups)
    n = 1800
    t = np.r_[np.round(rng.exponential(4, n // 2), 1), rng.exponential(4, n - n // 2)]
    s, g = rng.integers(0, 3, n), rng.integers(0, n_groups, n)
    a, b = _both_competing(monkeypatch, competing_risks, t, s, g, strata=rng.integers(0, 3, n))
    for x, y in zip(a.curves, b.curves, strict=True):
        assert (x.group, x.cause, x.n, x.max_time) == (y.group, y.cause, y.n, y.max_time)
        assert np.array_equal(x.time, y.time) and np.array_equal(x.risk_time, y.risk_time)
        assert np.array_equal(x.risk_n, y.risk_n)
        assert _close(x.estimate, y.estimate) and _close(x.variance, y.variance)
    assert [x.cause for x in a.tests] == [y.cause for y in b.tests] == [1, 2]
    for x, y in zip(a.tests, b.tests, strict=True):
        assert np.isclose(x.statistic, y.statistic, rtol=1e-12)
        assert _close(x.score, y.score) and _close(x.variance, y.variance)
