"""Log-rank and Fleming-Harrington tests for K groups (optionally stratified), test for trend.

Mantel (1966) Cancer Chemother Rep 50:163; Peto & Peto (1972) JRSS A 135:185. Must agree with
R ``survival::survdiff(Surv(time, status) ~ group, rho =)``: statistic, df, p, observed,
expected. The merge over the sorted times is compiled (:mod:`survival_stats._compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import as_float, chi2_sf, group_codes, quadratic_statistic
from survival_stats._validate import survival_inputs


@dataclass(frozen=True)
class LogRankTest:
    """K-group log-rank test. ``variance`` is survdiff's ``var`` matrix (all groups)."""

    groups: list
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    statistic: float
    df: int
    p: float


def logrank_test(time, event, group, strata=None, rho: float = 0.0) -> LogRankTest:
    """K-sample log-rank (rho = 0) or Fleming-Harrington G^rho test, chi-square with
    (groups with expected > 0) - 1 df.

    Mantel (1966); Peto & Peto (1972); Harrington & Fleming (1982) Biometrika 69:553. Agrees
    with R ``survdiff(Surv(time, event) ~ group [+ strata(s)], rho = rho)``: weights
    S(t-)^rho of the pooled Kaplan-Meier within each stratum; ``observed``/``expected`` are
    the weighted counts (survdiff's ``obs``/``exp``); the first group with expected > 0 is
    dropped and the statistic is (O - E)' V^-1 (O - E) on the rest. Deliberate differences:
    p is the exact upper tail, and a singular variance (e.g. all events at one tied time,
    or one that is rounding noise) gives NaN where R's solve() would stop.
    """
    from survival_stats import _compiled
    from survival_stats.tied_time_table import sorted_cells

    t, e = survival_inputs(time, event)
    if group is None:
        raise ValueError("the log-rank test needs a group")
    if not np.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be a finite number >= 0, got {rho!r}")
    codes, levels = group_codes(np.asarray(group), t.size)
    ng = len(levels)
    sc, slev = group_codes(strata, t.size, "strata")
    observed = np.zeros(ng)
    expected = np.zeros(ng)
    var = np.zeros((ng, ng))
    for h in range(len(slev)):
        if len(slev) == 1:
            tt, ee, cc = t, e, codes
        else:
            sel = sc == h
            tt, ee, cc = t[sel], e[sel], codes[sel]
        by_cell, offsets = sorted_cells(tt, cc, ee, ng, 2)
        o, ex, v = _compiled.logrank_from_sorted(by_cell, offsets, ng, float(rho))
        observed += o
        expected += ex
        var += v
    use = np.flatnonzero(expected > 0)
    if use.size < 2:
        stat, df = 0.0, 0
    else:
        keep = use[1:]
        diff = (observed - expected)[keep]
        sub = var[np.ix_(keep, keep)]
        df = int(use.size - 1)
        scale = float(np.abs(np.diag(var)).sum())
        stat = quadratic_statistic(diff, sub, scale)
    p = chi2_sf(stat, df)
    return LogRankTest(levels, np.bincount(codes, minlength=ng), observed, expected, var,
                       stat, df, p)


def logrank_trend_test(time, event, group, scores=None) -> dict[str, float]:
    """Log-rank test for trend across ordered groups (1 df).

    Peto et al. (1977) Br J Cancer 35:1, U = w'(O - E), V = w' Var w, chi2 = U^2 / V. Agrees
    with the trend test of R ``coin``/``survMisc`` (survdiff has none); scores default to the
    sorted group codes 1..K (numeric group values when the groups are numbers).
    """
    res = logrank_test(time, event, group)
    if scores is None:
        try:
            w = np.asarray(res.groups, dtype=float)
        except (TypeError, ValueError):
            w = np.arange(1.0, len(res.groups) + 1.0)
    else:
        w = as_float(scores)
    u = float(w @ (res.observed - res.expected))
    v = float(w @ res.variance @ w)
    stat = u * u / v if v > 0 else float("nan")
    return {"statistic": stat, "df": 1, "p": chi2_sf(stat, 1)}
