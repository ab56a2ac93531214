"""The competing-risks engine as a whole (``competing_risks``, the tied-time table, the compiled
Gray kernel): against cmprsk with three groups, strata and rho = 1 (values written by
``tools/r/cuminc_three_groups_reference.R``), threaded == sequential, and the tabulation
against a naive one (hypothesis)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survival_stats import competing_risks, cumulative_incidence, gray_test, kaplan_meier
from survival_stats._arrays import group_codes
from survival_stats.tied_time_table import tied_time_table

DATA = Path(__file__).resolve().parent / "data"
# The package re-exports the function ``competing_risks`` under the module's name.
competing_risks_module = importlib.import_module("survival_stats.competing_risks")
tied_time_module = importlib.import_module("survival_stats.tied_time_table")


@pytest.fixture(scope="module")
def three_groups() -> tuple[pd.DataFrame, dict]:
    d = pd.read_csv(DATA / "cuminc_three_groups.csv")
    ref = json.loads((DATA / "cuminc_three_groups.json").read_text())
    return d, ref


def _check_tests(got, expected, close) -> None:
    got = {t.cause: t for t in got}
    assert sorted(got) == sorted(row["cause"] for row in expected)
    for row in expected:
        t = got[row["cause"]]
        assert t.df == row["df"] == 2
        assert close(t.statistic, row["statistic"], rel_tol=1e-9)
        # R's 1 - pchisq() is 0 below ~1e-16; ours is the exact upper tail.
        assert close(t.p, row["p"], 1e-15)


def test_three_groups_curves_match_cuminc(three_groups, close):
    d, ref = three_groups
    result = competing_risks(d["time"], d["status"], d["group"])
    curves = {(c.group, c.cause): c for c in result.curves}
    assert [(c.cause, c.group) for c in result.curves] == [
        (k, g) for k in (1, 2) for g in ("a", "b", "c")]
    for row in ref["curves"]:
        t, f, v = curves[(row["group"], row["cause"])].cmprsk_points()
        assert close(t, row["time"], 1e-12)
        assert close(f, row["est"], 1e-12)
        assert close(v, row["var"], 1e-12)


def test_three_groups_gray_tests_match_cuminc(three_groups, close):
    d, ref = three_groups
    _check_tests(competing_risks(d["time"], d["status"], d["group"]).tests, ref["tests"], close)
    _check_tests(gray_test(d["time"], d["status"], d["group"]), ref["tests"], close)


def test_three_groups_stratified_gray_tests_match_cuminc(three_groups, close):
    d, ref = three_groups
    got = competing_risks(d["time"], d["status"], d["group"], strata=d["stratum"])
    _check_tests(got.tests, ref["tests_strata"], close)
    _check_tests(gray_test(d["time"], d["status"], d["group"], strata=d["stratum"]),
                 ref["tests_strata"], close)
    # Strata enter the tests only: the curves are those of the unstratified call.
    plain = competing_risks(d["time"], d["status"], d["group"])
    for a, b in zip(got.curves, plain.curves, strict=True):
        np.testing.assert_array_equal(a.estimate, b.estimate)


def test_three_groups_rho_one_matches_cuminc(three_groups, close):
    d, ref = three_groups
    _check_tests(competing_risks(d["time"], d["status"], d["group"], rho=1.0).tests,
                 ref["tests_rho1"], close)


def test_competing_risks_equals_the_separate_functions(three_groups):
    d, _ = three_groups
    together = competing_risks(d["time"], d["status"], d["group"])
    for a, b in zip(together.curves, cumulative_incidence(d["time"], d["status"], d["group"]),
                    strict=True):
        assert (a.group, a.cause, a.n) == (b.group, b.cause, b.n)
        np.testing.assert_array_equal(a.variance, b.variance)
        np.testing.assert_array_equal(a.risk_n, b.risk_n)
    for a, b in zip(together.tests, gray_test(d["time"], d["status"], d["group"]), strict=True):
        assert a.statistic == b.statistic


def test_one_group_gives_curves_and_no_test():
    result = competing_risks([1.0, 2.0, 2.0, 3.0], [1, 2, 0, 1])
    assert len(result.curves) == 2 and result.tests == []


def test_threaded_analysis_equals_sequential(monkeypatch):
    rng = np.random.default_rng(7)
    n = 120_000
    group = rng.integers(0, 3, n)
    time = np.round(rng.exponential(5.0, n), 2)
    status = rng.choice([0, 1, 2], n, p=[0.3, 0.3, 0.4])
    threaded = competing_risks(time, status, group)
    for module in (tied_time_module, competing_risks_module):
        monkeypatch.setattr(module, "worker_threads", lambda n: 1)
    sequential = competing_risks(time, status, group)
    for a, b in zip(threaded.curves, sequential.curves, strict=True):
        np.testing.assert_array_equal(a.time, b.time)
        np.testing.assert_array_equal(a.estimate, b.estimate)
        np.testing.assert_array_equal(a.variance, b.variance)
    for a, b in zip(threaded.tests, sequential.tests, strict=True):
        np.testing.assert_array_equal(a.variance, b.variance)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0, 1e-300, 3e8]),
                          st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=60))
def test_tied_time_table_equals_a_naive_tabulation(rows):
    time = np.array([r[0] for r in rows])
    status = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows])
    table = tied_time_table(time, status, group, 3, 4)
    distinct = np.unique(time)
    np.testing.assert_array_equal(table.time, distinct)
    for g in range(3):
        for k in range(4):
            naive = [np.sum((time == t) & (group == g) & (status == k)) for t in distinct]
            np.testing.assert_array_equal(table.counts[g, k], naive)
        at_risk = [np.sum((time >= t) & (group == g)) for t in distinct]
        np.testing.assert_array_equal(table.n_risk[g], at_risk)
        np.testing.assert_array_equal(table.present[g], [np.any((time == t) & (group == g))
                                                         for t in distinct])


def test_many_groups_are_tabulated_group_by_group(monkeypatch):
    """Above DENSE_CELLS the curves come from per-group tables: the same curves."""
    cif_module = importlib.import_module("survival_stats.cumulative_incidence")
    rng = np.random.default_rng(11)
    n = 3000
    group = rng.integers(0, 40, n).astype(str)
    time = np.round(rng.exponential(5.0, n), 1)
    status = rng.choice([0, 1, 2], n)
    per_group = cumulative_incidence(time, status, group)
    monkeypatch.setattr(cif_module, "DENSE_CELLS", 10_000)
    dense = cumulative_incidence(time, status, group)
    assert len(per_group) == len(dense) == 80
    for a, b in zip(per_group, dense, strict=True):
        assert (a.group, a.cause, a.n, a.max_time) == (b.group, b.cause, b.n, b.max_time)
        np.testing.assert_array_equal(a.time, b.time)
        np.testing.assert_array_equal(a.estimate, b.estimate)
        np.testing.assert_array_equal(a.variance, b.variance)
        np.testing.assert_array_equal(a.risk_time, b.risk_time)
        np.testing.assert_array_equal(a.risk_n, b.risk_n)


@pytest.mark.parametrize("n_group", [3, 9])
def test_a_group_or_strata_of_the_wrong_length_is_refused(n_group):
    time, status = np.arange(6.0), np.ones(6, int)
    with pytest.raises(ValueError, match="group has"):
        cumulative_incidence(time, status, np.zeros(n_group, int))
    with pytest.raises(ValueError, match="group has"):
        gray_test(time, status, np.array(["a", "b"] * (n_group // 2) + ["a"] * (n_group % 2)))
    with pytest.raises(ValueError, match="strata has"):
        competing_risks(time, status, [0, 1] * 3, strata=np.zeros(n_group, int))


@pytest.mark.parametrize("group", [np.array([0.0, 1.0, np.nan]),
                                   np.array(["a", None, "b"], dtype=object)])
def test_missing_group_labels_are_refused(group):
    """R's na.omit drops such subjects; here the caller must, rather than get a NaN group."""
    with pytest.raises(ValueError, match="group has 1 missing"):
        competing_risks([1.0, 2.0, 3.0], [1, 0, 2], group)
    with pytest.raises(ValueError, match="group has 1 missing"):
        kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1], group)
    with pytest.raises(ValueError, match="strata has 1 missing"):
        gray_test([1.0, 2.0, 3.0], [1, 0, 2], [0, 1, 1], strata=group)


def test_causes_must_be_positive_codes():
    with pytest.raises(ValueError, match="positive status codes"):
        cumulative_incidence([1.0, 2.0], [1, 0], causes=[0])


def test_missing_times_are_refused():
    with pytest.raises(ValueError, match="time is NaN at index 1"):
        competing_risks([1.0, np.nan], [1, 0], [0, 1])


def test_group_codes_of_integers_with_gaps_and_of_booleans():
    codes, levels = group_codes(np.array([5, 2, 5, 9]), 4)
    assert levels == [2, 5, 9] and codes.tolist() == [1, 0, 1, 2]
    codes, levels = group_codes(np.array([True, False, True]), 3)
    assert levels == [False, True] and codes.tolist() == [1, 0, 1]
    codes, levels = group_codes(np.array([-1, 3]), 2)
    assert levels == [-1, 3] and codes.tolist() == [0, 1]
    codes, levels = group_codes(np.array([7, 3, 7], dtype=np.uint64), 3)
    assert levels == [3, 7] and codes.tolist() == [1, 0, 1]
