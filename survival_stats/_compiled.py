"""Compiled (numba) kernels of the competing-risks engine: the loops numpy cannot vectorise
without building (times x groups x groups) temporaries.

Imported lazily by :mod:`survival_stats.tied_time_table` and :mod:`survival_stats.gray_test`,
so that ``import survival_stats`` does not pay numba's import. ``cache=True`` keeps the
machine code in ``__pycache__``: only the first call on a fresh checkout compiles.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def partition_by_cell(time: np.ndarray, group: np.ndarray, status: np.ndarray,
                      n_codes: int, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort of ``time`` by cell = group x n_codes + status (stable): the times of
    cell c are ``out[offsets[c]:offsets[c + 1]]``, in input order."""
    offsets = np.zeros(n_cells + 1, np.int64)
    for i in range(time.size):
        offsets[group[i] * n_codes + status[i] + 1] += 1
    for c in range(n_cells):
        offsets[c + 1] += offsets[c]
    position = offsets[:-1].copy()
    out = np.empty(time.size, np.float64)
    for i in range(time.size):
        c = group[i] * n_codes + status[i]
        out[position[c]] = time[i]
        position[c] += 1
    return out, offsets


@njit(cache=True, nogil=True)
def count_by_distinct_time(distinct: np.ndarray, sorted_cells: np.ndarray, offsets: np.ndarray,
                           first_cell: int, last_cell: int, counts: np.ndarray) -> None:
    """counts[c, j] = number of times in cell c equal to ``distinct[j]``, for the cells
    ``first_cell <= c < last_cell`` (so that two threads can share the cells).

    ``distinct`` holds every value of ``sorted_cells`` once, increasing; each cell's slice is
    sorted, so one forward walk per cell finds every block (a merge, O(T + n) per cell).
    """
    for c in range(first_cell, last_cell):
        j = 0
        for i in range(offsets[c], offsets[c + 1]):
            x = sorted_cells[i]
            while distinct[j] < x:
                j += 1
            counts[c, j] += 1


@njit(cache=True, nogil=True)
def risk_sets(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From counts[g, k, j] (group, status code, distinct time), per (group, time): the number
    at risk (time >= t_j), the failures of any cause, and whether the group has the time."""
    ng, n_codes, n_times = counts.shape
    n_risk = np.zeros((ng, n_times))
    d_all = np.zeros((ng, n_times))
    present = np.zeros((ng, n_times), np.bool_)
    for g in range(ng):
        at_risk = 0.0
        for j in range(n_times - 1, -1, -1):
            failed = 0.0
            for k in range(1, n_codes):
                failed += counts[g, k, j]
            at_risk += failed + counts[g, 0, j]
            n_risk[g, j] = at_risk
            d_all[g, j] = failed
            present[g, j] = failed + counts[g, 0, j] > 0
    return n_risk, d_all, present


@njit(cache=True, nogil=True)
def gray_score_variance(n_risk: np.ndarray, d_cause: np.ndarray, d_other: np.ndarray,
                        rho: float) -> tuple[np.ndarray, ...]:
    """Score and variance of Gray's test in one stratum: a port of cmprsk's Fortran ``crst``.

    Gray (1988) Ann Stat 16:1141, eq. (2.3) and the variance of section 2; R
    ``cmprsk::cuminc(...)$Tests``. Inputs are per (group, distinct time): the number at risk
    (time >= t), failures from the cause of interest and from other causes. Returns the
    score of groups 1..G-1 and the pieces of its covariance: ``v`` (G-1 x G-1), ``v2``
    (G-1 x G), ``v3`` (G) and ``c`` (G-1 x G); the covariance is
    v + (c * v3) c' + c v2' + v2 c' (assembled by the caller, as ``crst`` does at its end).

    At each failure time, per group r: S_r is the all-cause KM, F_r the group's CIF of the
    cause, R_r = n_r / S_r(t-) and the pooled CIF F grows by d / sum_r R_r. The score sums
    (1 - F(t-))^rho (d_r - d R_r (1 - F_r(t-)) / sum_q R_q (1 - F_q(t-))); the variance
    accumulates the influence of cause failures (t3, t4) and other-cause failures (t3b, t4b)
    through a_rk = (1 - F(t-))^rho (delta_rk R_r - R_r R_k / sum R) and its cumulative c.
    """
    ng, n_times = n_risk.shape
    m = ng - 1
    skm = np.ones(ng)            # all-cause KM per group, right-continuous
    f1 = np.zeros(ng)            # group CIF of the cause, right-continuous
    f = 0.0                      # pooled CIF
    c = np.zeros((ng, ng))       # cumulative sum of a * d / (sum R (1 - F(t-)))
    score = np.zeros(m)
    v = np.zeros((m, m))
    v2 = np.zeros((m, ng))
    v3 = np.zeros(ng)
    skmm = np.empty(ng)
    f1m = np.empty(ng)
    t1 = np.empty(ng)
    a = np.empty((ng, ng))
    t4 = np.empty(ng)
    t3 = np.empty(ng)
    t4b = np.empty(ng)
    t3b = np.empty(ng)
    mm = np.empty((m, ng))
    inv_skm = np.empty(ng)
    for i in range(n_times):
        nd1 = 0.0
        nd2 = 0.0
        for r in range(ng):
            nd1 += d_cause[r, i]
            nd2 += d_other[r, i]
        if nd1 + nd2 == 0.0:
            continue
        tr = 0.0
        tq = 0.0
        for r in range(ng):
            n = n_risk[r, i]
            skmm[r] = skm[r]
            f1m[r] = f1[r]
            if n > 0:
                skm[r] = skmm[r] * (1.0 - (d_cause[r, i] + d_other[r, i]) / n)
                f1[r] = f1m[r] + skmm[r] * d_cause[r, i] / n
                t1[r] = n / skmm[r]
                tq += t1[r] * (1.0 - f1m[r])
            else:
                t1[r] = 0.0
            tr += t1[r]
        fm = f
        f = fm + nd1 / tr
        for r in range(ng):
            inv_skm[r] = 1.0 / skm[r] if skm[r] > 0 else 0.0
        if nd1 > 0:
            # Failures from the cause of interest (nothing to add at other-cause times).
            fb = 1.0 if rho == 0.0 else (1.0 - fm) ** rho
            w = nd1 / (tr * (1.0 - fm))
            for r in range(ng):
                for k in range(ng):
                    a[r, k] = fb * ((t1[r] if r == k else 0.0) - t1[r] * t1[k] / tr)
                    c[r, k] += a[r, k] * w
            for r in range(m):
                if n_risk[r, i] > 0:
                    score[r] += fb * (d_cause[r, i] - nd1 * t1[r] * (1.0 - f1m[r]) / tq)
            for r in range(ng):
                n = n_risk[r, i]
                t4[r] = 1.0 - (1.0 - f) * inv_skm[r] if skm[r] > 0 else 1.0
                t3[r] = 0.0
                if n > 0:
                    t5 = 1.0 - (nd1 - 1.0) / (tr * skmm[r] - 1.0) if nd1 > 1 else 1.0
                    x = t5 * skmm[r] * nd1 / (tr * n)
                    t3[r] = x if np.isfinite(x) else 0.0
                v3[r] += t4[r] * t4[r] * t3[r]
            for p in range(m):
                for k in range(ng):
                    mm[p, k] = a[p, k] - t4[k] * c[p, k]
                    v2[p, k] += mm[p, k] * t4[k] * t3[k]
            for p in range(m):
                for q in range(m):
                    s = 0.0
                    for k in range(ng):
                        s += mm[p, k] * t3[k] * mm[q, k]
                    v[p, q] += s
        if nd2 > 0:
            # Failures from other causes.
            for r in range(ng):
                n = n_risk[r, i]
                d2 = d_other[r, i]
                t4b[r] = 0.0
                t3b[r] = 0.0
                if skm[r] > 0 and d2 > 0:
                    t5 = 1.0 - (d2 - 1.0) / (n - 1.0) if d2 > 1 else 1.0
                    t4b[r] = (1.0 - f) * inv_skm[r]
                    t3b[r] = t5 * skmm[r] * skmm[r] * d2 / (n * n)
                v3[r] += t4b[r] * t4b[r] * t3b[r]
            for p in range(m):
                for k in range(ng):
                    mm[p, k] = t4b[k] * c[p, k]
                    v2[p, k] -= mm[p, k] * t4b[k] * t3b[k]
            for p in range(m):
                for q in range(m):
                    s = 0.0
                    for k in range(ng):
                        s += mm[p, k] * t3b[k] * mm[q, k]
                    v[p, q] += s
    return score, v, v2, v3, c[:m, :].copy()
