"""Compiled walks over the subjects in time order (the event stream) for ``cmprsk::cuminc``
from 100,000 subjects: the k-way merge of the sorted (group x status) cells, then one walk
for Gray's tests of every cause and one for the CIFs of every group.

No table over (group x status x distinct time): with continuous times that table has a
column per subject, and reading it cost more than the estimators. Each walk reads the stream
once, block of tied times by block, touching only the groups in the block; Gray's test does
its O(groups^2) work only at the times of a failure from the cause, and sums the other-cause
terms per group until then (their factor c changes only at cause times), which is the same
sum as cmprsk's ``crst`` in another order. Formulas and sources as in
:mod:`survival_stats._numpy_kernels` (the table-based twins used below that size).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def merge_cells(by_cell: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                out_time: np.ndarray, out_cell: np.ndarray, first: int) -> None:
    """Merge the sorted runs ``by_cell[starts[c]:ends[c]]`` (one per cell c) in time order into
    ``out_time``/``out_cell`` from position ``first`` (times and cell codes). Tied times keep
    cell order. The runs of one call may be parts of the cells (a time range), so that
    threads can merge disjoint ranges."""
    n_cells = starts.size
    pos = starts.copy()
    head = np.empty(n_cells)   # each run's next time, inf once it is used up (no branch)
    total = 0
    for c in range(n_cells):
        total += ends[c] - starts[c]
        head[c] = by_cell[pos[c]] if pos[c] < ends[c] else np.inf
    for i in range(first, first + total):
        best = 0
        best_time = head[0]
        for c in range(1, n_cells):
            hc = head[c]
            better = hc < best_time
            best = c if better else best
            best_time = hc if better else best_time
        out_time[i] = best_time
        out_cell[i] = best
        p = pos[best] + 1
        pos[best] = p
        head[best] = by_cell[p] if p < ends[best] else np.inf


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _read_block(time: np.ndarray, cell: np.ndarray, start: int, group_of: np.ndarray,
                status_of: np.ndarray, block: np.ndarray,
                touched: np.ndarray) -> tuple[int, int]:
    """Count the block of tied times from ``start`` into block[g, k] (``group_of`` and
    ``status_of`` decode a cell); the groups in it go to ``touched``. Returns (end of the
    block, number of groups touched)."""
    n = time.size
    x = time[start]
    if start + 1 == n or time[start + 1] != x:  # a time of one subject (continuous times)
        g = group_of[cell[start]]
        touched[0] = g
        block[g, status_of[cell[start]]] += 1.0
        return start + 1, 1
    end = start
    n_touched = 0
    while end < n and time[end] == x:
        g = group_of[cell[end]]
        seen = False
        for q in range(n_touched):
            if touched[q] == g:
                seen = True
                break
        if not seen:
            touched[n_touched] = g
            n_touched += 1
        block[g, status_of[cell[end]]] += 1.0
        end += 1
    return end, n_touched


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cell_decoders(n_groups: int, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Group and status of each cell code (a lookup instead of an integer division)."""
    group_of = np.empty(n_groups * n_codes, np.int64)
    status_of = np.empty(n_groups * n_codes, np.int64)
    for g in range(n_groups):
        for k in range(n_codes):
            group_of[g * n_codes + k] = g
            status_of[g * n_codes + k] = k
    return group_of, status_of


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _flush_other_causes(h: int, acc: np.ndarray, c: np.ndarray, v: np.ndarray,
                        v2: np.ndarray, v3: np.ndarray) -> None:
    """Add cause h's summed other-cause terms t4b^2 t3b per group (``acc[h]``) to crst's v,
    v2, v3 with the current c: v += c diag(acc) c', v2 -= c diag(acc), v3 += acc."""
    m, ng = v2.shape[1], v2.shape[2]
    for k in range(ng):
        w = acc[h, k]
        if w == 0.0:
            continue
        v3[h, k] += w
        for p in range(m):
            cw = c[h, p, k] * w
            v2[h, p, k] -= cw
            for q in range(m):
                v[h, p, q] += cw * c[h, q, k]
        acc[h, k] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def gray_stream(time: np.ndarray, cell: np.ndarray, n_codes: int, group_size: np.ndarray,
                causes: np.ndarray, rho: float) -> tuple[np.ndarray, ...]:
    """Score and variance pieces of Gray's test of each cause in ``causes`` (one stratum),
    as cmprsk's ``crst`` per cause (see
    :func:`survival_stats._numpy_kernels.gray_score_variance` for the recursions): score (causes x G-1), v (causes x G-1 x G-1), v2 (causes x G-1 x G),
    v3 (causes x G), c (causes x G-1 x G). ``cell`` = group x n_codes + status per subject,
    subjects in time order; ``group_size`` the subjects per group."""
    ng = group_size.size
    m = ng - 1
    nc = causes.size
    group_of, status_of = _cell_decoders(ng, n_codes)
    # per group, kept up to date at the groups' own blocks only (the others do not change):
    # at risk, all-cause KM (skmm: before the current block), 1 / n, n / KM(t-), 1 / KM
    n_risk = group_size.astype(np.float64)
    skm = np.ones(ng)
    skmm = np.ones(ng)
    inv_n = np.zeros(ng)
    t1 = np.zeros(ng)
    inv_skm = np.ones(ng)
    for r in range(ng):
        if n_risk[r] > 0:
            inv_n[r] = 1.0 / n_risk[r]
            t1[r] = n_risk[r] / skmm[r]
    d_all = np.zeros(ng)
    block = np.zeros((ng, n_codes))
    touched = np.empty(ng, np.int64)
    f1 = np.zeros((nc, ng))
    f1m = np.empty(ng)
    f = np.zeros(nc)
    c = np.zeros((nc, ng, ng))
    score = np.zeros((nc, m))
    v = np.zeros((nc, m, m))
    v2 = np.zeros((nc, m, ng))
    v3 = np.zeros((nc, ng))
    acc = np.zeros((nc, ng))
    a = np.empty((ng, ng))
    t3 = np.empty(ng)
    t4 = np.empty(ng)
    mm = np.empty((m, ng))
    i = 0
    while i < time.size:
        end, n_touched = _read_block(time, cell, i, group_of, status_of, block, touched)
        nd = 0.0
        for q in range(n_touched):
            r = touched[q]
            s = 0.0
            for k in range(1, n_codes):
                s += block[r, k]
            d_all[r] = s
            nd += s
        if nd > 0:
            for q in range(n_touched):
                r = touched[q]
                if d_all[r] > 0:
                    skm[r] = skmm[r] * (1.0 - d_all[r] * inv_n[r])
                    inv_skm[r] = 1.0 / skm[r] if skm[r] > 0 else 0.0
            tr = 0.0
            for r in range(ng):
                tr += t1[r]
            inv_tr = 1.0 / tr
            for h in range(nc):
                cause = causes[h]
                nd1 = 0.0
                for q in range(n_touched):
                    nd1 += block[touched[q], cause]
                if nd1 > 0:
                    _flush_other_causes(h, acc, c, v, v2, v3)
                    tq = 0.0
                    for r in range(ng):
                        f1m[r] = f1[h, r]
                        if n_risk[r] > 0:
                            f1[h, r] = f1m[r] + skmm[r] * block[r, cause] * inv_n[r]
                            tq += t1[r] * (1.0 - f1m[r])
                    fm = f[h]
                    f[h] = fm + nd1 / tr
                    fh = f[h]
                    fb = 1.0 if rho == 0.0 else (1.0 - fm) ** rho
                    w = nd1 * inv_tr / (1.0 - fm)
                    for r in range(ng):
                        for k in range(ng):
                            a[r, k] = fb * ((t1[r] if r == k else 0.0) - t1[r] * t1[k] * inv_tr)
                            c[h, r, k] += a[r, k] * w
                    nd1_tq = nd1 / tq
                    for r in range(m):
                        if n_risk[r] > 0:
                            score[h, r] += fb * (block[r, cause]
                                                 - nd1_tq * t1[r] * (1.0 - f1m[r]))
                    for r in range(ng):
                        n = n_risk[r]
                        t4[r] = 1.0 - (1.0 - fh) * inv_skm[r] if skm[r] > 0 else 1.0
                        t3[r] = 0.0
                        if n > 0:
                            t5 = 1.0 - (nd1 - 1.0) / (tr * skmm[r] - 1.0) if nd1 > 1 else 1.0
                            x = t5 * skmm[r] * nd1 * inv_tr * inv_n[r]
                            t3[r] = x if np.isfinite(x) else 0.0
                        v3[h, r] += t4[r] * t4[r] * t3[r]
                    for p in range(m):
                        for k in range(ng):
                            mm[p, k] = a[p, k] - t4[k] * c[h, p, k]
                            v2[h, p, k] += mm[p, k] * t4[k] * t3[k]
                    for p in range(m):
                        for p2 in range(m):
                            s = 0.0
                            for k in range(ng):
                                s += mm[p, k] * t3[k] * mm[p2, k]
                            v[h, p, p2] += s
                if nd - nd1 > 0:
                    one_minus_f = 1.0 - f[h]
                    for q in range(n_touched):
                        r = touched[q]
                        d2 = d_all[r] - block[r, cause]
                        if skm[r] > 0 and d2 > 0:
                            n = n_risk[r]
                            t5 = 1.0 - (d2 - 1.0) / (n - 1.0) if d2 > 1 else 1.0
                            t4b = one_minus_f * inv_skm[r]
                            t3b = t5 * skmm[r] * skmm[r] * d2 * inv_n[r] * inv_n[r]
                            acc[h, r] += t4b * t4b * t3b
        for q in range(n_touched):
            r = touched[q]
            for k in range(n_codes):
                n_risk[r] -= block[r, k]
                block[r, k] = 0.0
            d_all[r] = 0.0
            skmm[r] = skm[r]
            n = n_risk[r]
            inv_n[r] = 1.0 / n if n > 0 else 0.0
            t1[r] = n / skmm[r] if n > 0 else 0.0
        i = end
    for h in range(nc):
        _flush_other_causes(h, acc, c, v, v2, v3)
    return score, v, v2, v3, c[:, :m, :].copy()


@njit(cache=True, nogil=True, error_model="numpy")
def cif_stream(time: np.ndarray, cell: np.ndarray, n_codes: int, group_size: np.ndarray,
               causes: np.ndarray, jump_offsets: np.ndarray,
               risk_offsets: np.ndarray) -> tuple[np.ndarray, ...]:
    """The CIF of each cause in each group with cmprsk's Aalen variance (``cinc``, see
    :func:`survival_stats._numpy_kernels.aalen_johansen`), and each group's distinct times
    with the number at risk, from the subjects in time order.

    Curve (g, h) (cause ``causes[h]``) writes its jumps from ``jump_offsets[g * causes + h]``
    (room for the group's failures from the cause), group g its times from
    ``risk_offsets[g]``. Returns jump times, estimates, variances, jumps per (g, h), the
    groups' distinct times, numbers at risk there and count of those times.
    """
    ng = group_size.size
    nc = causes.size
    n_risk = group_size.astype(np.float64)
    fk = np.ones(ng)
    f = np.zeros((ng, nc))
    v1 = np.zeros((ng, nc))
    v2 = np.zeros((ng, nc))
    v3 = np.zeros((ng, nc))
    n_jumps = np.zeros(ng * nc, np.int64)
    jump_time = np.empty(jump_offsets[-1])
    estimate = np.empty(jump_offsets[-1])
    variance = np.empty(jump_offsets[-1])
    risk_time = np.empty(risk_offsets[-1])
    risk_n = np.empty(risk_offsets[-1], np.int64)
    n_times = np.zeros(ng, np.int64)
    block = np.zeros((ng, n_codes))
    touched = np.empty(ng, np.int64)
    group_of, status_of = _cell_decoders(ng, n_codes)
    i = 0
    while i < time.size:
        end, n_touched = _read_block(time, cell, i, group_of, status_of, block, touched)
        x = time[i]
        for q in range(n_touched):
            g = touched[q]
            rs = n_risk[g]
            e = risk_offsets[g] + n_times[g]
            risk_time[e] = x
            risk_n[e] = int(rs)
            n_times[g] += 1
            nd = 0.0
            for k in range(1, n_codes):
                nd += block[g, k]
            if nd > 0:
                fk_after = fk[g] * (1.0 - nd / rs)
                inv_fkn = 1.0 / fk_after if fk_after > 0 else 0.0
                fk_rs = fk[g] / rs
                fk2_rs2 = fk_rs * fk_rs
                # 1 / (r - 1) of the tie correction; r = 1 only with x <= 1 (not used then)
                tie = 1.0 / (rs - 1.0) if rs > 1 else 0.0
                for h in range(nc):
                    nd1 = block[g, causes[h]]
                    nd2 = nd - nd1
                    f[g, h] += fk_rs * nd1
                    w_other = fk2_rs2 * nd2 * (1.0 - (nd2 - 1.0) * tie)
                    w_cause = fk2_rs2 * nd1 * (1.0 - (nd1 - 1.0) * tie)
                    a = f[g, h] * inv_fkn
                    b = 1.0 + a
                    v1[g, h] += a * a * w_other + b * b * w_cause
                    v2[g, h] += inv_fkn * (a * w_other + b * w_cause)
                    v3[g, h] += inv_fkn * inv_fkn * (w_other + w_cause)
                    if nd1 > 0:
                        curve = g * nc + h
                        e = jump_offsets[curve] + n_jumps[curve]
                        fgh = f[g, h]
                        jump_time[e] = x
                        estimate[e] = fgh
                        variance[e] = v1[g, h] + fgh * fgh * v3[g, h] - 2.0 * fgh * v2[g, h]
                        n_jumps[curve] += 1
                fk[g] = fk_after
            for k in range(n_codes):
                n_risk[g] -= block[g, k]
                block[g, k] = 0.0
        i = end
    return jump_time, estimate, variance, n_jumps, risk_time, risk_n, n_times
