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


#: From this many subjects the compiled merge is used; below, numpy (no numba import, which
#: costs more than the whole test on a small sample, e.g. in ``aml-registry estimate``).
COMPILED_FROM = 100_000


def _observed_expected(time: np.ndarray, event: np.ndarray, codes: np.ndarray, ng: int,
                       rho: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """survdiff's weighted O, E and V of one stratum with numpy (as the compiled
    ``logrank_from_sorted``): blocks of tied times after a stable argsort."""
    order = np.argsort(time, kind="stable")
    time, event, codes = time[order], event[order].astype(float), codes[order]
    new = np.r_[True, time[1:] != time[:-1]]
    block = np.cumsum(new) - 1
    nt = int(block[-1]) + 1 if time.size else 0
    n_g = np.bincount(block * ng + codes, minlength=nt * ng).reshape(nt, ng)
    d_g = np.bincount(block * ng + codes, weights=event, minlength=nt * ng).reshape(nt, ng)
    r_g = np.cumsum(n_g[::-1], axis=0)[::-1].astype(float)       # at risk per group
    r = r_g.sum(axis=1)
    d = d_g.sum(axis=1)
    keep = d > 0
    r_g, r, d, d_g = r_g[keep], r[keep], d[keep], d_g[keep]
    # weight S(t-)^rho of the pooled Kaplan-Meier (1 for the log-rank test)
    w = np.r_[1.0, np.cumprod(1.0 - d / r)[:-1]] ** rho if rho != 0.0 else np.ones(d.size)
    expected = (r_g * (w * d / r)[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(r > 1, w * w * d * (r - d) / (r * r * (r - 1.0)), 0.0)
    var = np.diag((kappa[:, None] * r_g * r[:, None]).sum(axis=0)) - np.einsum(
        "t,ti,tj->ij", kappa, r_g, r_g)
    return (w[:, None] * d_g).sum(axis=0), expected, var


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
        if t.size < COMPILED_FROM:
            o, ex, v = _observed_expected(tt, ee, cc, ng, float(rho))
        else:
            from survival_stats import _compiled
            from survival_stats.tied_time_table import sorted_cells

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
