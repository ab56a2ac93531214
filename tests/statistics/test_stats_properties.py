"""Property tests (hypothesis): identities, monotonicity, order invariance, edge cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from survival_stats.cumulative_incidence import cumulative_incidence
from survival_stats.gray_test import gray_test
from survival_stats.kaplan_meier import kaplan_meier
from survival_stats.logrank import logrank_test

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def competing_data(draw, max_n=40, n_causes=2, n_groups=3):
    n = draw(st.integers(1, max_n))
    time = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))   # many ties
    status = draw(st.lists(st.integers(0, n_causes), min_size=n, max_size=n))
    group = draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n))
    return np.array(time, float), np.array(status), np.array(group)


@SETTINGS
@given(competing_data())
def test_cifs_plus_km_sum_to_one_and_are_monotone(data):
    time, status, group = data
    curves = cumulative_incidence(time, status, group, causes=[1, 2])
    kms = {c.group: c for c in kaplan_meier(time, (status > 0).astype(int), group)}
    for g, km in kms.items():
        grid = np.unique(np.r_[time[group == g], time[group == g] + 0.5])
        grid = grid[grid <= km.time.max()]
        total = km.at(grid)["surv"].copy()
        for c in (c for c in curves if c.group == g):
            at = c.at(grid)
            assert np.all(np.diff(at["estimate"]) >= -1e-15)
            assert np.all(np.isfinite(at["variance"])) and np.all(at["variance"] >= -1e-15)
            total += at["estimate"]
        np.testing.assert_allclose(total, 1.0, atol=1e-12)
        assert np.all(np.diff(km.surv) <= 1e-15)


@SETTINGS
@given(competing_data(), st.randoms(use_true_random=False))
def test_invariant_to_row_order(data, rnd):
    time, status, group = data
    perm = np.arange(time.size)
    rnd.shuffle(perm)
    a = cumulative_incidence(time, status, group)
    b = cumulative_incidence(time[perm], status[perm], group[perm])
    for ca, cb in zip(a, b, strict=True):
        assert np.array_equal(ca.time, cb.time)
        np.testing.assert_allclose(ca.estimate, cb.estimate, atol=1e-14)
        np.testing.assert_allclose(ca.variance, cb.variance, atol=1e-14)
    if len(np.unique(group)) > 1:
        ga = gray_test(time, status, group)
        gb = gray_test(time[perm], status[perm], group[perm])
        for x, y in zip(ga, gb, strict=True):
            np.testing.assert_allclose(x.statistic, y.statistic, rtol=1e-9, equal_nan=True)
        e = (status > 0).astype(int)
        la = logrank_test(time, e, group)
        lb = logrank_test(time[perm], e[perm], group[perm])
        np.testing.assert_allclose(la.statistic, lb.statistic, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(competing_data(max_n=25, n_groups=1))
def test_ties_are_deterministic(data):
    time, status, _ = data
    a = cumulative_incidence(time, status)
    b = cumulative_incidence(time, status)
    for ca, cb in zip(a, b, strict=True):
        assert np.array_equal(ca.estimate, cb.estimate) and np.array_equal(ca.variance, cb.variance)


def test_edge_cases_do_not_crash():
    # all censored
    (km,) = kaplan_meier([1, 2, 3], [0, 0, 0])
    assert np.all(km.surv == 1) and np.isnan(km.median()["median"])
    assert cumulative_incidence([1, 2, 3], [0, 0, 0]) == []
    # single subject
    (km,) = kaplan_meier([5], [1])
    assert km.surv.tolist() == [0.0] and km.median()["median"] == 5
    (c,) = cumulative_incidence([5], [1])
    assert c.at([5])["estimate"][0] == 1.0
    # all events at one time
    (km,) = kaplan_meier([2, 2, 2, 2], [1, 1, 1, 1])
    assert km.surv.tolist() == [0.0]
    cs = cumulative_incidence([2, 2, 2, 2], [1, 2, 1, 2])
    assert [c.at([2])["estimate"][0] for c in cs] == [0.5, 0.5]
    # a group without events of a cause, and a group with a single subject
    t = np.array([1, 2, 3, 4, 5, 6.0])
    s = np.array([1, 1, 0, 2, 0, 1])
    g = np.array([0, 0, 0, 1, 1, 2])
    res = gray_test(t, s, g)
    assert all(r.df == 2 for r in res)
    curves = cumulative_incidence(t, s, g)
    assert all(np.all(np.isfinite(c.at([1, 2])["estimate"][c.at([1, 2])["time"] <= c.max_time]))
               for c in curves)
    lr = logrank_test(t, (s > 0).astype(int), g)
    assert np.isfinite(lr.statistic)


def test_cif_confidence_bounds_enclose_the_estimate() -> None:
    """Regression: the log(-log) bounds were returned as (upper, lower)."""
    from survival_stats import cumulative_incidence

    rng = np.random.default_rng(7)
    n = 300
    time = rng.exponential(10, n).round(1)
    status = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    for curve in cumulative_incidence(time, status):
        at = curve.at([2.0, 5.0, 10.0])
        lower, est, upper = (np.asarray(at[k], float) for k in ("lower", "estimate", "upper"))
        ok = ~np.isnan(lower)
        assert ok.any()
        assert np.all(lower[ok] <= est[ok]) and np.all(est[ok] <= upper[ok])


def test_gray_test_for_a_cause_without_events_does_not_crash() -> None:
    from survival_stats import gray_test

    result = gray_test([1.0, 2.0, 3.0, 4.0], [1, 0, 1, 0], [0, 0, 1, 1], cause=2)
    assert len(result) == 1 and np.isnan(result[0].statistic)
