"""Bad input to every method: a clear ValueError naming the problem and the first offending
index, never a silently wrong number (R's na.omit drops NaN rows; we make the caller do it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import survival_stats as ss
from survival_stats.fine_gray import fine_gray

GOOD_T = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
GOOD_E = [1, 0, 1, 1, 0, 1]
GOOD_S = [1, 0, 2, 1, 2, 1]
GROUP = [0, 0, 0, 1, 1, 1]


def _km(t, s, g):
    return ss.kaplan_meier(t, s, g)


def _logrank(t, s, g):
    return ss.logrank_test(t, s, g)


def _cif(t, s, g):
    return ss.cumulative_incidence(t, s, g)


def _cr(t, s, g):
    return ss.competing_risks(t, s, g)


def _gray(t, s, g):
    return ss.gray_test(t, s, g)


def _cox(t, s, g):
    d = pd.DataFrame({"time": t, "event": s, "x": np.arange(len(t), dtype=float)})
    return ss.cox_ph(d, "time", "event", ["x"])


def _fine_gray(t, s, g):
    return fine_gray(t, s, np.arange(len(t), dtype=float))


def _rmst(t, s, g):
    return [c.rmst(3.0) for c in ss.kaplan_meier(t, s, g)]


def _reverse_km(t, s, g):
    return ss.reverse_km_median_followup(t, s, g)


BINARY = [_km, _logrank, _cox, _rmst, _reverse_km]
COMPETING = [_cif, _cr, _gray, _fine_gray]
ALL = BINARY + COMPETING


def _with(values, index, value):
    out = list(values)
    out[index] = value
    return out


@pytest.mark.parametrize("method", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("case", "value", "message"), [
    ("a NaN time is refused, not counted as follow-up", np.nan, "NaN at index 2"),
    ("an infinite time is refused", np.inf, "infinite at index 2"),
    ("a negative time is refused", -1.0, "negative at index 2"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_bad_times_name_the_problem_and_first_index(method, case, value, message):
    status = GOOD_E if method in BINARY else GOOD_S
    with pytest.raises(ValueError, match=message):
        method(_with(GOOD_T, 2, value), status, GROUP)


@pytest.mark.parametrize("method", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("case", "value", "message"), [
    ("an event code other than 0/1 is refused", 2, "2 at index 3 is not one of"),
    ("a fractional event code is refused", 0.5, "whole-number codes: 0.5 at index 3"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_event_codes_outside_0_1_are_refused(method, case, value, message):
    with pytest.raises(ValueError, match=message):
        method(GOOD_T, _with(GOOD_E, 3, value), GROUP)


@pytest.mark.parametrize("method", [_cif, _cr, _gray], ids=lambda f: f.__name__)
def test_negative_or_missing_cause_codes_are_refused(method):
    with pytest.raises(ValueError, match="-1 at index 4"):
        method(GOOD_T, _with(GOOD_S, 4, -1), GROUP)
    with pytest.raises(ValueError, match="status is NaN at index 1"):
        method(GOOD_T, _with(GOOD_S, 1, np.nan), GROUP)


@pytest.mark.parametrize("method", [_km, _logrank, _cif, _cr, _gray], ids=lambda f: f.__name__)
def test_misaligned_arrays_are_refused(method):
    status = GOOD_E if method in BINARY else GOOD_S
    with pytest.raises(ValueError, match="values for 6 subjects"):
        method(GOOD_T, status[:5], GROUP)
    with pytest.raises(ValueError, match="group has 5 values for 6 subjects"):
        method(GOOD_T, status, GROUP[:5])


def test_missing_group_label_names_its_index():
    with pytest.raises(ValueError, match="first at index 1"):
        ss.kaplan_meier(GOOD_T, GOOD_E, ["a", None, "a", "b", "b", "b"])


def test_cox_weights_must_be_positive():
    d = pd.DataFrame({"time": GOOD_T, "event": GOOD_E, "x": [0.1, 2, 0.3, 1, 5, 2.0],
                      "w": [1, 1, 0, 1, 1, 1]})
    with pytest.raises(ValueError, match="> 0: 0.0 at index 2"):
        ss.cox_ph(d, "time", "event", ["x"], weights="w")


def test_gray_test_with_a_single_subject_group_is_nan_not_zero():
    """One subject alone in its group: the variance is rounding noise (about 1e-32), so the
    test does not exist (NaN), where a plain solve gives a meaningless statistic."""
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(300):
        n = int(rng.integers(5, 40))
        t = np.round(rng.exponential(size=n), int(rng.integers(0, 3)))
        s = rng.integers(0, 3, n)
        g = np.ones(n, int)
        g[rng.integers(n)] = 0
        for test in ss.gray_test(t, s, g):
            eig = np.linalg.eigvalsh(test.variance).min()
            if eig < 1e-20:
                hits += 1
                assert np.isnan(test.statistic) and np.isnan(test.p)
            else:
                assert np.isfinite(test.statistic)
    assert hits > 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=2,
                max_size=30), st.data())
def test_any_nan_position_is_reported_exactly(times, data):
    i = data.draw(st.integers(0, len(times) - 1))
    t = list(times)
    t[i] = float("nan")
    with pytest.raises(ValueError, match=f"NaN at index {i} "):
        ss.kaplan_meier(t, [1] * len(t))
