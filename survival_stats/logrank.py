"""Log-rank test for K groups (optionally stratified) and the test for trend.

Mantel (1966) Cancer Chemother Rep 50:163; Peto & Peto (1972) JRSS A 135:185. Must agree with
R ``survival::survdiff(Surv(time, status) ~ group)`` (rho = 0): statistic, df, p, observed,
expected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import as_float, chi2_sf, group_codes
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


def _observed_expected(time, event, codes, ng):
    order = np.argsort(time, kind="stable")
    time, event, codes = time[order], event[order], codes[order]
    new = np.r_[True, time[1:] != time[:-1]]
    block = np.cumsum(new) - 1
    nt = int(block[-1]) + 1 if time.size else 0
    n_g = np.bincount(block * ng + codes, minlength=nt * ng).reshape(nt, ng)
    d_g = np.bincount(block * ng + codes, weights=event, minlength=nt * ng).reshape(nt, ng)
    r_g = np.cumsum(n_g[::-1], axis=0)[::-1].astype(float)       # at risk per group
    r = r_g.sum(axis=1)
    d = d_g.sum(axis=1)
    keep = d > 0
    r_g, r, d = r_g[keep], r[keep], d[keep]
    expected = (r_g * (d / r)[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r > 1, d * (r - d) / (r * r * (r - 1.0)), 0.0)
    var = np.diag((w[:, None] * r_g * r[:, None]).sum(axis=0)) - np.einsum(
        "t,ti,tj->ij", w, r_g, r_g
    )
    return d_g.sum(axis=0), expected, var


def logrank_test(time, event, group, strata=None) -> LogRankTest:
    """K-sample log-rank test, chi-square with (groups with expected > 0) - 1 df.

    Mantel (1966); Peto & Peto (1972). Agrees with R ``survdiff(Surv(time, event) ~ group
    [+ strata(s)])``: the first group with expected > 0 is dropped and the statistic is
    (O - E)' V^-1 (O - E) on the rest.
    """
    t, e = survival_inputs(time, event)
    if group is None:
        raise ValueError("the log-rank test needs a group")
    codes, levels = group_codes(np.asarray(group), t.size)
    ng = len(levels)
    sc, slev = group_codes(strata, t.size, "strata")
    observed = np.zeros(ng)
    expected = np.zeros(ng)
    var = np.zeros((ng, ng))
    for h in range(len(slev)):
        sel = sc == h
        o, ex, v = _observed_expected(t[sel], e[sel].astype(float), codes[sel], ng)
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
        # a singular variance (e.g. every subject has its event at one tied time) has no
        # chi-square statistic: NaN, as for Gray's test (deliberate; R's solve() would stop)
        stat = (float(diff @ np.linalg.solve(sub, diff))
                if np.linalg.matrix_rank(sub) == keep.size else float("nan"))
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
