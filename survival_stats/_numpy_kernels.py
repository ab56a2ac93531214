"""numpy kernels used below :data:`COMPILED_FROM` subjects (Cox: :data:`COX_COMPILED_FROM`),
so that a small analysis (``aml-registry estimate``) never imports numba (about 2 s on a
loaded machine) nor loads its cached kernels: cmprsk's Fortran ``crst`` (Gray 1988, Ann Stat
16:1141) and ``cinc`` (Aalen & Johansen 1978) over a tied-time table, and the Cox sums.

The compiled paths (:mod:`survival_stats._compiled`) compute the same recursions loop by loop;
the two are tested equal to 1e-12 (tests/statistics/test_stats_compiled_paths.py).
"""

from __future__ import annotations

import numpy as np

#: From this many subjects the compiled kernels are used; below, these numpy ones.
COMPILED_FROM = 100_000


def tabulate(time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
             n_codes: int) -> tuple[np.ndarray, ...]:
    """(distinct times, counts[g, k, j], n_risk[g, j], d_all[g, j], present[g, j]) of
    :class:`survival_stats.tied_time_table.TiedTimeTable`, by ``np.unique`` and bincount."""
    distinct, where = np.unique(time, return_inverse=True)
    n_times = distinct.size
    cell = (np.asarray(group, np.int64) * n_codes + np.asarray(status, np.int64)) * n_times
    counts = np.bincount(cell + where.ravel(), minlength=n_groups * n_codes * n_times)
    counts = counts.reshape(n_groups, n_codes, n_times).astype(np.int64)
    total = counts.sum(axis=1)
    n_risk = np.cumsum(total[:, ::-1], axis=1)[:, ::-1].astype(np.float64)
    d_all = counts[:, 1:, :].sum(axis=1).astype(np.float64)
    return distinct, counts, n_risk, d_all, total > 0


def _shifted(cumulative: np.ndarray, first: float) -> np.ndarray:
    """The values before each time of a cumulative array (time on axis 0)."""
    out = np.empty_like(cumulative)
    if out.shape[0]:
        out[0] = first
        out[1:] = cumulative[:-1]
    return out


def gray_score_variance(n_risk: np.ndarray, counts: np.ndarray, d_all: np.ndarray,
                        cause: int, rho: float) -> tuple[np.ndarray, ...]:
    """Score and variance of Gray's test in one stratum: a port of cmprsk's Fortran ``crst``.

    Gray (1988) Ann Stat 16:1141, eq. (2.3) and the variance of section 2; R
    ``cmprsk::cuminc(...)$Tests``. Inputs are per (group, distinct time): the number at risk
    (time >= t), the counts per status code (``counts[g, cause, j]`` = failures from the
    cause of interest) and the failures from any cause (other causes: ``d_all`` minus those),
    read in place, with no per-cause copies of the table. Returns the
    score of groups 1..G-1 and the pieces of its covariance: ``v`` (G-1 x G-1), ``v2``
    (G-1 x G), ``v3`` (G) and ``c`` (G-1 x G); the covariance is
    v + (c * v3) c' + c v2' + v2 c' (assembled by the caller, as ``crst`` does at its end).

    At each failure time, per group r: S_r is the all-cause KM, F_r the group's CIF of the
    cause, R_r = n_r / S_r(t-) and the pooled CIF F grows by d / sum_r R_r. The score sums
    (1 - F(t-))^rho (d_r - d R_r (1 - F_r(t-)) / sum_q R_q (1 - F_q(t-))); the variance
    accumulates the influence of cause failures (t3, t4) and other-cause failures (t3b, t4b)
    through a_rk = (1 - F(t-))^rho (delta_rk R_r - R_r R_k / sum R) and its cumulative c.

    Vectorised along the distinct times (cumulative products and sums).
    """
    ng = n_risk.shape[0]
    m = ng - 1
    d1_all = counts[:, cause, :].astype(np.float64)
    nd1_all = d1_all.sum(axis=0)
    nd2_all = d_all.sum(axis=0) - nd1_all
    rows = (nd1_all + nd2_all) != 0.0
    score, v, v2, v3 = np.zeros(m), np.zeros((m, m)), np.zeros((m, ng)), np.zeros(ng)
    if not rows.any():
        return score, v, v2, v3, np.zeros((m, ng))
    n = n_risk[:, rows].T                      # (T, G)
    d = d_all[:, rows].T
    d1 = d1_all[:, rows].T
    nd1, nd2 = nd1_all[rows], nd2_all[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = n > 0
        inv_n = np.where(pos, 1.0 / np.where(pos, n, 1.0), 0.0)
        skm = np.cumprod(np.where(pos, 1.0 - d * inv_n, 1.0), axis=0)
        skmm = _shifted(skm, 1.0)
        f1 = np.cumsum(np.where(pos, skmm * d1 * inv_n, 0.0), axis=0)
        f1m = _shifted(f1, 0.0)
        t1 = np.where(pos, n / skmm, 0.0)
        tq = np.where(pos, t1 * (1.0 - f1m), 0.0).sum(axis=1)
        tr = t1.sum(axis=1)
        inv_tr = 1.0 / tr
        f = np.cumsum(nd1 / tr)
        fm = _shifted(f, 0.0)
        inv_skm = np.where(skm > 0, 1.0 / skm, 0.0)
        cause_rows = nd1 > 0
        fb = np.ones_like(fm) if rho == 0.0 else (1.0 - fm) ** rho
        w = np.where(cause_rows, nd1 * inv_tr / (1.0 - fm), 0.0)
        a = fb[:, None, None] * (t1[:, :, None] * np.eye(ng)
                                 - t1[:, :, None] * t1[:, None, :] * inv_tr[:, None, None])
        c = np.cumsum(a * w[:, None, None], axis=0)   # (T, G, G), as used at each time
        # failures from the cause of interest
        ci = cause_rows
        if ci.any():
            nd1_tq = nd1[ci] / tq[ci]
            part = fb[ci, None] * (d1[ci] - nd1_tq[:, None] * t1[ci] * (1.0 - f1m[ci]))
            score += np.where(pos[ci], part, 0.0)[:, :m].sum(axis=0)
            t4 = np.where(skm[ci] > 0, 1.0 - (1.0 - f[ci, None]) * inv_skm[ci], 1.0)
            nd1c = nd1[ci, None]
            t5 = np.where(nd1c > 1, 1.0 - (nd1c - 1.0) / (tr[ci, None] * skmm[ci] - 1.0), 1.0)
            x = t5 * skmm[ci] * nd1c * inv_tr[ci, None] * inv_n[ci]
            t3 = np.where(pos[ci] & np.isfinite(x), x, 0.0)
            v3 += (t4 * t4 * t3).sum(axis=0)
            mm = a[ci, :m, :] - t4[:, None, :] * c[ci, :m, :]
            v2 += (mm * (t4 * t3)[:, None, :]).sum(axis=0)
            v += np.einsum("tpk,tk,tqk->pq", mm, t3, mm)
        # failures from the other causes
        oi = nd2 > 0
        if oi.any():
            d2 = d[oi] - d1[oi]
            live = (skm[oi] > 0) & (d2 > 0)
            t5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (n[oi] - 1.0), 1.0)
            t4b = np.where(live, (1.0 - f[oi, None]) * inv_skm[oi], 0.0)
            t3b = np.where(live, t5 * skmm[oi] * skmm[oi] * d2 * inv_n[oi] * inv_n[oi], 0.0)
            v3 += (t4b * t4b * t3b).sum(axis=0)
            mm = t4b[:, None, :] * c[oi, :m, :]
            v2 -= (mm * (t4b * t3b)[:, None, :]).sum(axis=0)
            v += np.einsum("tpk,tk,tqk->pq", mm, t3b, mm)
    return score, v, v2, v3, c[-1, :m, :].copy()


def aalen_johansen(time: np.ndarray, n_risk: np.ndarray, d_all: np.ndarray,
                   d_causes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]:
    """Cumulative incidence and its Aalen variance in one group: a port of cmprsk's ``cinc``.

    Aalen & Johansen (1978) Scand J Stat 5:141; variance Aalen (1978) Ann Stat 6:534; R
    ``cmprsk::cuminc``. Inputs per distinct time j of the sample: the group's number at risk
    r, its failures from any cause d and, per cause of interest k, its failures d1[k]. At each
    time with d > 0, with S- and S+ the all-cause KM before and after it:

        F[k] += S- d1[k] / r
        w(x)  = S-^2 x (1 - (x - 1) / (r - 1)) / r^2      (x failures, tie-corrected)
        a = F[k] / S+,  b = 1 + a                          (1 / S+ taken as 0 once S+ = 0)
        v1 += a^2 w(d - d1) + b^2 w(d1),   v2 += (a w(d - d1) + b w(d1)) / S+
        v3 += (w(d - d1) + w(d1)) / S+^2,  Var F[k] = v1 + F^2 v3 - 2 F v2

    Returns the jumps of each cause's step function (the times with d1[k] > 0): times, F and
    Var F as (causes x most jumps) arrays, of which row k holds ``n_jumps[k]`` values.
    """
    n_causes = d_causes.shape[0]
    rows = d_all != 0
    nd, rs, t = d_all[rows], n_risk[rows], time[rows]
    d1 = d_causes[:, rows].astype(np.float64)        # (K, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        fk_after = np.cumprod(1.0 - nd / rs)
        fk = _shifted(fk_after, 1.0)
        inv_fkn = np.where(fk_after > 0, 1.0 / fk_after, 0.0)
        fk_rs = fk / rs
        fk2_rs2 = fk_rs * fk_rs
        tie = np.where(rs > 1, 1.0 / (rs - 1.0), 0.0)
        nd2 = nd - d1
        f = np.cumsum(fk_rs * d1, axis=1)
        w_other = fk2_rs2 * nd2 * (1.0 - (nd2 - 1.0) * tie)
        w_cause = fk2_rs2 * d1 * (1.0 - (d1 - 1.0) * tie)
        a = f * inv_fkn
        b = 1.0 + a
        v1 = np.cumsum(a * a * w_other + b * b * w_cause, axis=1)
        v2 = np.cumsum(inv_fkn * (a * w_other + b * w_cause), axis=1)
        v3 = np.cumsum(inv_fkn * inv_fkn * (w_other + w_cause), axis=1)
        var = v1 + f * f * v3 - 2.0 * f * v2
    jumps = d1 > 0
    n_jumps = jumps.sum(axis=1).astype(np.int64)
    width = int(n_jumps.max()) if n_causes else 0
    jump_time = np.empty((n_causes, width))
    estimate = np.empty((n_causes, width))
    variance = np.empty((n_causes, width))
    for k in range(n_causes):
        sel = jumps[k]
        jump_time[k, :n_jumps[k]] = t[sel]
        estimate[k, :n_jumps[k]] = f[k, sel]
        variance[k, :n_jumps[k]] = var[k, sel]
    return jump_time, estimate, variance, n_jumps


#: Cox models from this many subjects use the compiled kernels; below, numpy.
COX_COMPILED_FROM = 50_000


def _segments(segment_start: np.ndarray, n: int) -> list[tuple[int, int]]:
    """(first, end) rows of each segment (stratum) of n rows; row 0 always starts one."""
    starts = np.flatnonzero(segment_start)
    if n and (starts.size == 0 or starts[0] != 0):
        starts = np.r_[0, starts]
    return list(zip(starts.tolist(), np.r_[starts[1:], n].astype(np.int64).tolist(),
                    strict=True))


def segment_reverse_cumsum(values: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """As :func:`survival_stats._compiled.segment_reverse_cumsum` (sums to each segment's end)."""
    out = np.empty(values.shape)
    for lo, hi in _segments(segment_start, values.shape[0]):
        out[lo:hi] = np.cumsum(values[lo:hi][::-1], axis=0)[::-1]
    return out


def segment_cumsum(values: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """As :func:`survival_stats._compiled.segment_cumsum` (sums from each segment's start)."""
    out = np.empty(values.shape)
    for lo, hi in _segments(segment_start, values.shape[0]):
        out[lo:hi] = np.cumsum(values[lo:hi], axis=0)
    return out


def concordance_counts(time: np.ndarray, event: np.ndarray, rank: np.ndarray,
                       weight: np.ndarray, segment_start: np.ndarray,
                       n_ranks: int) -> np.ndarray:
    """Weighted (concordant, discordant, tied.x, tied.y) pairs as
    :func:`survival_stats._compiled.concordance_counts` (R ``concordancefit``), in
    O(n log n) as survival's balanced tree, vectorised.

    An event i is compared with the subjects of its stratum with a longer time or a
    censoring at its time: in the order by (time, censored after events) those are the rows
    from ``first[i]`` (the end of i's block of tied events) on. The weights there with a
    lower (equal) risk rank are the stratum's total below the rank minus those before
    ``first[i]``; the rows before a position are cut into dyadic blocks (one per set bit of
    the position, as in a Fenwick tree), each block's rows sorted by rank once per level.
    """
    out = np.zeros(4)
    for lo, hi in _segments(segment_start, time.size):
        out += _stratum_concordance(time[lo:hi], event[lo:hi], rank[lo:hi], weight[lo:hi],
                                    max(int(n_ranks), 1))
    out[3] /= 2.0
    return out


def _stratum_concordance(t: np.ndarray, e: np.ndarray, rank: np.ndarray, w: np.ndarray,
                         n_ranks: int) -> np.ndarray:
    out = np.zeros(4)
    ev = np.flatnonzero(e == 1)
    if ev.size == 0:
        return out
    n = t.size
    order = np.lexsort((e != 1, t))              # by time, events before censorings
    ts, rs, ws = t[order], rank[order].astype(np.int64), w[order]
    te, re, we = t[ev], rank[ev].astype(np.int64), w[ev]
    t_events = np.sort(te)
    first = (np.searchsorted(ts, te, "left") + np.searchsorted(t_events, te, "right")
             - np.searchsorted(t_events, te, "left"))
    tail = np.r_[np.cumsum(ws[::-1])[::-1], 0.0]
    total = tail[first]
    by_rank = np.bincount(rs, ws, n_ranks)
    below_all = np.r_[0.0, np.cumsum(by_rank)]          # weight of ranks < r
    below = below_all[re]
    upto = below_all[re + 1]
    position = np.arange(n, dtype=np.int64)
    for level in range(int(n).bit_length()):
        in_prefix = ((first >> level) & 1) == 1
        if not in_prefix.any():
            continue
        keys = (position >> level) * n_ranks + rs
        sort = np.argsort(keys)
        keys = keys[sort]
        cum = np.r_[0.0, np.cumsum(ws[sort])]
        q = np.flatnonzero(in_prefix)
        base = ((first[q] >> level) - 1) * n_ranks
        start = cum[np.searchsorted(keys, base, "left")]
        below[q] -= cum[np.searchsorted(keys, base + re[q], "left")] - start
        upto[q] -= cum[np.searchsorted(keys, base + re[q], "right")] - start
    tied = upto - below
    out[0] = we @ below
    out[2] = we @ tied
    out[1] = we @ (total - upto)
    # tied.y: pairs of events at one time
    distinct, where = np.unique(te, return_inverse=True)
    block_w = np.bincount(where.ravel(), we, distinct.size)
    out[3] = we @ (block_w[where.ravel()] - we)
    return out
