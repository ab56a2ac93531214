"""Gray's K-sample test for equality of cumulative incidence functions (rho = 0 by default).

Gray (1988) Ann Stat 16:1141. Vectorised port of cmprsk's Fortran ``crstm``/``crst``; must
agree with R ``cmprsk::cuminc(...)$Tests``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from survival_stats._arrays import as_float, as_int, group_codes


@dataclass(frozen=True)
class GrayTest:
    """Gray's test for one cause: chi-square statistic with groups - 1 df."""

    cause: int
    statistic: float
    df: int
    p: float
    score: np.ndarray
    variance: np.ndarray


def _group_counts(time: np.ndarray, s: np.ndarray, g: np.ndarray, ng: int, n_codes: int):
    """Sort once; counts per (distinct time, group, status code) and numbers at risk."""
    order = np.argsort(time, kind="stable")
    time, s, g = time[order], s[order], g[order]
    new = np.r_[True, time[1:] != time[:-1]]
    block = np.cumsum(new) - 1
    nt = int(block[-1]) + 1 if time.size else 0
    d = np.bincount((block * ng + g) * n_codes + s, minlength=nt * ng * n_codes)
    d = d.reshape(nt, ng, n_codes)
    rs = np.cumsum(d.sum(axis=2)[::-1], axis=0)[::-1].astype(float)
    return rs, d


def _crst(rs: np.ndarray, d1: np.ndarray, d2: np.ndarray, ng: int,
          rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Score and variance of one stratum (cmprsk ``crst``), vectorised over distinct times.

    ``rs``: number at risk per (time, group); ``d1``/``d2``: failures from the cause of
    interest / other causes per (time, group).
    """
    ev = (d1.sum(1) + d2.sum(1)) > 0
    rs, d1, d2 = rs[ev], d1[ev].astype(float), d2[ev].astype(float)
    at_risk = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        haz = np.where(at_risk, (d1 + d2) / rs, 0.0)
        skm = np.cumprod(1.0 - haz, axis=0)                 # right-continuous KM per group
        skmm = np.vstack([np.ones((1, ng)), skm[:-1]])      # left-continuous
        inc = np.where(at_risk, skmm * d1 / rs, 0.0)
        f1 = np.cumsum(inc, axis=0)                         # right-continuous CIF per group
        f1m = f1 - inc
        t1 = np.where(at_risk, rs / skmm, 0.0)              # R_r / S_r(t-)
        tr = t1.sum(axis=1)
        tq = np.where(at_risk, rs * (1.0 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)                             # pooled CIF, right-continuous
        fm = np.r_[0.0, f[:-1]]
        fb = (1.0 - fm) ** rho
        # a(i, j) = fb * (diag(t1) - t1 t1' / tr); c accumulates a * nd1 / (tr (1 - fm)).
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng)[None] - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1.0 - fm)))[:, None, None], axis=0)
        score = (fb[:, None] * np.where(
            at_risk, d1 - nd1[:, None] * rs * (1.0 - f1m) / (skmm * tq[:, None]), 0.0
        )).sum(axis=0)[: ng - 1]
        # Failures from the cause of interest.
        t4 = np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0)
        t3 = np.where(at_risk & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        t3 = np.nan_to_num(t3, nan=0.0, posinf=0.0, neginf=0.0)
        v3 = (t4 * t4 * t3).sum(axis=0)
        mm = a[:, : ng - 1, :] - t4[:, None, :] * c[:, : ng - 1, :]      # (T, ng-1, ng)
        v2 = np.einsum("tik,tk->ik", mm, t4 * t3)
        v = sum((mm[:, :, k] * t3[:, k, None]).T @ mm[:, :, k] for k in range(ng))
        # Failures from other causes.
        ok2 = (skm > 0) & (d2 > 0)
        t4b = np.where(ok2, (1.0 - f[:, None]) / skm, 0.0)
        t5b = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        t3b = np.where(ok2, t5b * skmm**2 * d2 / rs**2, 0.0)
        v3 += (t4b * t4b * t3b).sum(axis=0)
        mb = t4b[:, None, :] * c[:, : ng - 1, :]
        v2 -= np.einsum("tik,tk->ik", mb, t4b * t3b)
        v += sum((mb[:, :, k] * t3b[:, k, None]).T @ mb[:, :, k] for k in range(ng))
    cf = c[-1, : ng - 1, :] if c.shape[0] else np.zeros((ng - 1, ng))
    v += (cf * v3) @ cf.T + cf @ v2.T + v2 @ cf.T
    return score, v


def gray_test(time, status, group, cause: int | None = None, strata=None,
              rho: float = 0.0) -> list[GrayTest]:
    """Gray's test comparing the CIF of each cause (or one ``cause``) across groups.

    Gray (1988) Ann Stat 16:1141. Agrees with R ``cmprsk::cuminc(ftime, fstatus, group,
    strata, rho)$Tests`` (statistic s' V^-1 s, df = groups - 1, p from chi-square).
    Deliberate differences: p uses the upper-tail ``chi2.sf`` (R: ``1 - pchisq``, which
    loses precision below ~1e-16) and a singular variance gives NaN (R reports stat -1).
    """
    t = as_float(time)
    s = as_int(status)
    codes, levels = group_codes(np.asarray(group), t.size)
    ng = len(levels)
    st_codes, st_levels = group_codes(strata, t.size)
    causes = [cause] if cause is not None else np.unique(s[s > 0]).tolist()
    out = []
    n_codes = int(max(s.max(initial=0), max(causes, default=0))) + 1
    strata_counts = []
    if ng > 1:
        for h in range(len(st_levels)):
            sel = st_codes == h
            strata_counts.append(_group_counts(t[sel], s[sel], codes[sel], ng, n_codes))
    for k in causes:
        score = np.zeros(max(ng - 1, 0))
        var = np.zeros((max(ng - 1, 0), max(ng - 1, 0)))
        for rs, d in strata_counts:
            d1 = d[:, :, k]
            sc, vv = _crst(rs, d1, d[:, :, 1:].sum(axis=2) - d1, ng, rho)
            score += sc
            var += vv
        stat = float("nan")
        if ng > 1 and np.linalg.matrix_rank(var) == ng - 1:
            try:
                stat = float(score @ np.linalg.solve(var, score))
            except np.linalg.LinAlgError:  # numerically singular despite the rank test
                stat = float("nan")
        df = ng - 1
        p = float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")
        out.append(GrayTest(int(k), stat, df, p, score, var))
    return out
