"""Property: the compiled cuminc walk (CIFs and Gray's tests of a set of causes in one pass
over the time-ordered subjects, the causes split over threads; used from 100,000 subjects)
equals numpy's tied-time-table path (used below, itself checked against R) on random samples
with tied and distinct times, several causes and groups, censoring, strata and a group of a
single subject, where Gray's variance can be rounding noise: the test is then NaN on both
paths, as documented in :func:`survival_stats.gray_test.gray_from_pieces`."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from survival_stats.competing_risks import competing_risks
from survival_stats.gray_test import gray_test

nk_module = importlib.import_module("survival_stats._numpy_kernels")
cr_module = importlib.import_module("survival_stats.competing_risks")
gt_module = importlib.import_module("survival_stats.gray_test")
ci_module = importlib.import_module("survival_stats.cumulative_incidence")


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@st.composite
def samples(draw):
    n_groups = draw(st.integers(2, 4))
    n_causes = draw(st.integers(1, 3))
    n = draw(st.integers(2, 80))
    distinct = draw(st.booleans())
    rows = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(0, n_causes),
                                   st.integers(0, n_groups - 1)), min_size=n, max_size=n))
    t = np.array([r[0] for r in rows], float)
    if distinct:  # mostly distinct times (the walk's one-subject blocks), a few ties kept
        t = t + np.array(draw(st.lists(st.floats(0, 0.999), min_size=n, max_size=n)))
    s = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    # one more group with a single subject (its time and status drawn too)
    lone = draw(st.tuples(st.integers(0, 12), st.integers(0, n_causes)))
    t, s, g = np.r_[t, float(lone[0])], np.r_[s, lone[1]], np.r_[g, n_groups]
    strata = np.array(draw(st.lists(st.integers(0, 1), min_size=t.size, max_size=t.size)))
    rho = draw(st.sampled_from([0.0, 0.5, -1.0]))
    threads = draw(st.integers(1, 3))
    return t, s, g, strata, rho, threads


def _both(fn, threads, *args, **kwargs):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nk_module, "COMPILED_FROM", 10**12)
        table = fn(*args, **kwargs)
        mp.setattr(nk_module, "COMPILED_FROM", 0)
        for module in (cr_module, gt_module, ci_module):
            mp.setattr(module, "worker_threads", lambda n: threads)
        walk = fn(*args, **kwargs)
    return table, walk


@settings(max_examples=150, deadline=None)
@given(samples())
def test_cuminc_walk_equals_the_table_path(sample):
    t, s, g, strata, rho, threads = sample
    degenerate = 0
    for strat in (None, strata):
        a, b = _both(competing_risks, threads, t, s, g, strata=strat, rho=rho)
        assert len(a.curves) == len(b.curves)
        for x, y in zip(a.curves, b.curves, strict=True):
            assert (x.group, x.cause, x.n) == (y.group, y.cause, y.n)
            assert x.max_time == y.max_time
            assert np.array_equal(x.time, y.time) and np.array_equal(x.risk_time, y.risk_time)
            assert np.array_equal(x.risk_n, y.risk_n)
            assert _close(x.estimate, y.estimate) and _close(x.variance, y.variance)
        assert [x.cause for x in a.tests] == [y.cause for y in b.tests]
        for x, y in zip(a.tests, b.tests, strict=True):
            assert x.df == y.df
            assert _close(x.score, y.score) and _close(x.variance, y.variance)
            assert np.isclose(x.statistic, y.statistic, rtol=1e-10, atol=1e-12,
                              equal_nan=True)
            assert np.isnan(x.p) == np.isnan(y.p)
            if (x.variance.size and np.isfinite(x.variance).all()
                    and np.linalg.eigvalsh(x.variance).min() < 1e-20):
                degenerate += 1  # rounding noise (a group of one subject): no test
                assert np.isnan(x.statistic) and np.isnan(y.statistic)
        event(f"degenerate Gray variance: {degenerate > 0}")
        ga, gb = _both(gray_test, threads, t, s, g, strata=strat, rho=rho)
        for x, y in zip(ga, gb, strict=True):
            assert x.cause == y.cause and _close(x.score, y.score)
            assert _close(x.variance, y.variance)
            assert np.isclose(x.statistic, y.statistic, rtol=1e-10, atol=1e-12,
                              equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(samples())
def test_cuminc_walk_equals_the_table_path_without_the_lone_subject(sample):
    """The same samples without the one-subject group: the statistics agree as numbers."""
    t, s, g, strata, rho, threads = sample
    t, s, g, strata = t[:-1], s[:-1], g[:-1], strata[:-1]
    a, b = _both(competing_risks, threads, t, s, g, strata=strata, rho=rho)
    for x, y in zip(a.tests, b.tests, strict=True):
        assert _close(x.score, y.score) and _close(x.variance, y.variance)
        assert np.isclose(x.statistic, y.statistic, rtol=1e-10, atol=1e-12, equal_nan=True)



@pytest.mark.parametrize("times", ["wide", "zeros"])
def test_stream_sort_keys_and_their_fallback_equal_the_table_path(times):
    """The stream is one sort of keys holding the time's bits and the cell; times spanning
    more than 2^59 bit patterns (1e-300 .. 1e300) take the merge of sorted cells instead.
    Zero times (and -0.0) sort first. Both equal the table path."""
    rng = np.random.default_rng(29)
    n = 600
    t = rng.exponential(5, n)
    if times == "wide":
        t[:3] = [1e-300, 1e300, 5e-324]
    else:
        t[rng.integers(0, n, 40)] = 0.0
        t[:2] = -0.0
    s, g = rng.integers(0, 3, n), rng.integers(0, 3, n)
    a, b = _both(competing_risks, 2, t, s, g)
    for x, y in zip(a.curves, b.curves, strict=True):
        assert np.array_equal(x.time, y.time) and np.array_equal(x.risk_time, y.risk_time)
        assert np.array_equal(x.risk_n, y.risk_n)
        assert _close(x.estimate, y.estimate) and _close(x.variance, y.variance)
    for x, y in zip(a.tests, b.tests, strict=True):
        assert np.isclose(x.statistic, y.statistic, rtol=1e-10)
        assert _close(x.score, y.score) and _close(x.variance, y.variance)
