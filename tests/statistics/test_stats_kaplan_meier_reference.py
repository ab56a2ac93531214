"""Kaplan-Meier against R survfit / summary.survfit on survival::lung (every stored value)."""

from __future__ import annotations

import numpy as np
import pytest

from survival_stats.kaplan_meier import kaplan_meier, reverse_km_median_followup

ABS = 1e-12
BLOCKS = [(scope, ct) for scope in ("overall", "by_sex") for ct in ("log", "log_log")]


def _curves(lung, scope, conf_type):
    group = lung["sex"] if scope == "by_sex" else None
    return {str(c.group): c for c in kaplan_meier(lung["time"], lung["event"], group,
                                                    conf_type=conf_type.replace("_", "-"))}


@pytest.mark.parametrize(("scope", "conf_type"), BLOCKS)
def test_km_at_times_matches_summary_survfit(close, lung, lung_ref, scope, conf_type):
    block = lung_ref["km"][scope][conf_type]
    curves = _curves(lung, scope, conf_type)
    for row in block["at_times"]:
        at = curves[row["group"]].at([row["time"]])
        assert at["n_risk"][0] == row["n_risk"]
        assert close(at["surv"], row["surv"], ABS)
        assert close(at["se_surv"], row["se_surv"], ABS)
        assert close(at["se_log_surv"], row["se_log_surv"], ABS)
        assert close(at["lower"], row["lower"], ABS)
        assert close(at["upper"], row["upper"], ABS)
    # n.event counts events since the previous requested time: ask for all times at once.
    for group, curve in curves.items():
        rows = [r for r in block["at_times"] if r["group"] == group]
        at = curve.at([r["time"] for r in rows])
        assert at["n_event"].tolist() == [r["n_event_in_interval"] for r in rows]


@pytest.mark.parametrize(("scope", "conf_type"), BLOCKS)
def test_km_median_matches_summary_table(close, lung, lung_ref, scope, conf_type):
    curves = _curves(lung, scope, conf_type)
    for row in lung_ref["km"][scope][conf_type]["median"]:
        c = curves[row["group"]]
        assert c.n == row["n"] and c.events == row["events"]
        med = c.median()
        assert close(med["median"], row["median"], ABS)
        assert close(med["lower"], row["median_lower"], ABS)
        assert close(med["upper"], row["median_upper"], ABS)


def test_km_full_curves_match_survfit(close, lung, lung_curves):
    curves = {**_curves(lung, "overall", "log"), **_curves(lung, "by_sex", "log")}
    for group, ref in lung_curves.groupby("group"):
        c = curves[group]
        assert np.array_equal(c.time, ref["time"].to_numpy(float))
        assert np.array_equal(c.n_risk, ref["n_risk"].to_numpy())
        assert np.array_equal(c.n_event, ref["n_event"].to_numpy())
        assert np.array_equal(c.n_censor, ref["n_censor"].to_numpy())
        assert close(c.surv, ref["surv"], ABS)
        assert close(c.se_log_surv, ref["se_log_surv"], ABS)


@pytest.mark.parametrize("case", ["exact_half_midpoint", "no_exact_half", "ties_then_half",
                                  "half_until_end"])
def test_toy_median_conventions(close, lung_ref, case):
    toy = lung_ref["toy_median_conventions"][case]
    (c,) = kaplan_meier(toy["time"], toy["status"])
    assert close(c.time, toy["km_time"], ABS)
    assert close(c.surv, toy["km_surv"], ABS)
    med = c.median()
    assert close(med["median"], toy["median"], ABS)
    assert close(med["lower"], toy["median_lower"], ABS)
    assert close(med["upper"], toy["median_upper"], ABS)


def test_half_until_end_uses_summary_table_not_quantile(lung_ref):
    """Deliberate choice: summary()$table (first time), not quantile.survfit (midpoint)."""
    toy = lung_ref["toy_median_conventions"]["half_until_end"]
    (c,) = kaplan_meier(toy["time"], toy["status"])
    assert c.median()["median"] == toy["median"] != toy["quantile_fn_median"]


def test_reverse_km_follow_up_is_km_of_censoring(lung):
    (row,) = reverse_km_median_followup(lung["time"], lung["event"])
    (c,) = kaplan_meier(lung["time"], 1 - lung["event"])
    assert row["median"] == c.median()["median"]
    assert row["median"] > 0


def test_plain_ci_is_clipped(lung):
    (c,) = kaplan_meier(lung["time"], lung["event"], conf_type="plain")
    assert np.all(c.lower >= 0) and np.all(c.upper <= 1)
    se = c.se_log_surv * c.surv
    np.testing.assert_allclose(c.upper, np.minimum(c.surv + 1.959963984540054 * se, 1), atol=1e-12)


def test_times_beyond_follow_up_carry_last_value(lung):
    (c,) = kaplan_meier(lung["time"], lung["event"])
    at = c.at([1e6])
    assert at["surv"][0] == c.surv[-1] and at["n_risk"][0] == 0
