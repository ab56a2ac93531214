"""One compiled walk over the time-ordered subjects for ``cmprsk::cuminc``: the CIFs (with
cmprsk's Aalen variance, Fortran ``cinc``) and Gray's test (Fortran ``crst``) of a set of
causes together, from 100,000 subjects.

A call handles the causes it is given, so that threads can take disjoint sets of causes
(the per-group at-risk and all-cause KM state is cheap and kept by each). ``cinc``'s
all-cause KM of a group and ``crst``'s are the same estimate, computed as fk (1 - d / r) and
as S (1 - d x (1 / r)): the same number after blocks of one subject, so that one division
serves both while no tie has made them differ by a rounding. A block of one subject (continuous times: almost every
block) has its own code: only that subject's group changes, the failure counts are 0 or 1,
and every term that is then a zero (a product with a count of 0, a sum with 0) is left out.
Blocks of tied times take the general code of :mod:`survival_stats._compiled_streams` and
:mod:`survival_stats._compiled_gray` (read by cells, touching only the groups in the
block). Gray's test does its O(groups^2) work only at the times of a failure from its cause
and sums the other-cause terms per group until then (their factor c changes only at cause
times): the same sum as ``crst`` in another order. The state is in stack arrays of a size
fixed at compile time (:mod:`survival_stats._fixed_arrays`). The results equal the
table-based twins of :mod:`survival_stats._numpy_kernels` (used below that size) to
rounding. Gray (1988) Ann Stat 16:1141; Aalen & Johansen (1978) Scand J Stat 5:141.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from survival_stats._compiled_gray import (
    add_failure_variance,
    flush_other_causes,
    gray_cause_time,
)
from survival_stats._compiled_streams import _cell_decoders, _read_block, _read_block_keys
from survival_stats._fixed_arrays import fixed_int_zeros, fixed_zeros


@njit(cache=True, nogil=True, error_model="numpy")
def cuminc_walk(time: np.ndarray, cell: np.ndarray, n_codes: int, sizes: tuple,
                causes: tuple, rho: float, do_gray: bool, do_cif: bool,
                curve_of: np.ndarray, jump_offsets: np.ndarray, jump_time: np.ndarray,
                estimate: np.ndarray, variance: np.ndarray, n_jumps: np.ndarray,
                do_risk: bool, risk_offsets: np.ndarray, risk_time: np.ndarray,
                risk_n: np.ndarray, n_times: np.ndarray, keys: np.ndarray,
                base: int) -> tuple[np.ndarray, ...]:
    """CIFs and Gray's test of the status codes ``causes`` over one stream (``cell`` = group
    x n_codes + status per subject, in time order; ``sizes`` the subjects per group).

    CIF (``do_cif``): curve (g, h) is the slot ``curve_of[g, h]``, writing its jumps (time,
    estimate, Aalen variance) from ``jump_offsets[slot]`` and counting them in
    ``n_jumps[slot]``. Risk table (``do_risk``): group g writes its distinct times and
    numbers at risk from ``risk_offsets[g]``, counting them in ``n_times[g]``. Gray
    (``do_gray``): returns crst's (score, v, v2, v3, c) per cause (arrays led by the cause).

    With ``keys`` non-empty the subjects are read from the sorted keys of
    :func:`survival_stats._compiled_streams.packed_keys` (above ``base``) instead of
    ``time`` and ``cell``: no decoded copy of the stream.

    ``sizes`` and ``causes`` are tuples: their lengths, the numbers of groups and causes, are
    part of their type, so numba compiles them in as constants (one machine code per number
    of groups and of causes, cached); the loops over groups and causes unroll and the state
    has a fixed size.
    """
    ng = len(sizes)
    m = max(ng - 1, 0)
    nc = len(causes)
    group_of, status_of = _cell_decoders(ng, n_codes)
    # per group: at risk, 1 / at risk, all-cause KM before (kmm) and after (km) the current
    # block with km's reciprocal, and crst's t1 = at risk / kmm
    n_risk = fixed_zeros(sizes, causes, "G")
    inv_n = fixed_zeros(sizes, causes, "G")
    kmm = fixed_zeros(sizes, causes, "G")
    km = fixed_zeros(sizes, causes, "G")
    inv_km = fixed_zeros(sizes, causes, "G")
    t1 = fixed_zeros(sizes, causes, "G")
    for r in range(ng):
        n_risk[r] = sizes[r]
        kmm[r] = km[r] = inv_km[r] = 1.0
        if n_risk[r] > 0:
            inv_n[r] = 1.0 / n_risk[r]
            t1[r] = n_risk[r] / kmm[r]
    # Gray (crst) per cause: f1 per group and f pooled (its CIF), c, score, v, v2, v3, and
    # the other-cause terms acc summed until the cause's next failure time
    f1 = fixed_zeros(sizes, causes, "CG")
    f1m = fixed_zeros(sizes, causes, "G")
    f = fixed_zeros(sizes, causes, "C")
    c = fixed_zeros(sizes, causes, "CGG")
    score = fixed_zeros(sizes, causes, "CM")
    v = fixed_zeros(sizes, causes, "CMM")
    v2 = fixed_zeros(sizes, causes, "CMG")
    v3 = fixed_zeros(sizes, causes, "CG")
    acc = fixed_zeros(sizes, causes, "CG")
    a = fixed_zeros(sizes, causes, "MG")
    t3 = fixed_zeros(sizes, causes, "G")
    t4 = fixed_zeros(sizes, causes, "G")
    mm = fixed_zeros(sizes, causes, "MG")
    d1 = fixed_zeros(sizes, causes, "G")
    # CIF (cinc): all-cause KM fk per group (before the current block), the CIF per group x
    # cause with its variance sums; the next jump and risk-row slots
    fk = fixed_zeros(sizes, causes, "G")
    fk[:] = 1.0
    f_cif = fixed_zeros(sizes, causes, "GC")
    cv1 = fixed_zeros(sizes, causes, "GC")
    cv2 = fixed_zeros(sizes, causes, "GC")
    cv3 = fixed_zeros(sizes, causes, "GC")
    next_jump = fixed_int_zeros(sizes, causes, "GC")
    next_risk = fixed_int_zeros(sizes, causes, "G")
    for g in range(ng):
        next_risk[g] = risk_offsets[g] + n_times[g] if do_risk else 0
        for h in range(nc):
            slot = curve_of[g, h] if do_cif else 0
            next_jump[g, h] = jump_offsets[slot] + n_jumps[slot] if do_cif else 0
    # blocks of tied times
    block = np.zeros((ng, n_codes))
    touched = np.empty(ng, np.int64)
    d_all = fixed_zeros(sizes, causes, "G")
    packed = keys.size > 0
    n = keys.size if packed else time.size
    four = np.uint64(4)
    low = np.uint64(15)
    base1 = np.uint64(base) - np.uint64(1)
    x_bits = np.zeros(1, np.uint64)      # a key's time: its bits, read back as a double
    x_float = x_bits.view(np.float64)
    weighted = rho != 0.0
    i = 0
    while i < n:
        if packed:
            key = keys[i]
            tb = key >> four
            x_bits[0] = tb + base1 if tb != np.uint64(0) else np.uint64(0)
            x = x_float[0]
            cl = np.int64(key & low)
            single = i + 1 == n or keys[i + 1] >> four != tb
        else:
            x = time[i]
            cl = cell[i]
            single = i + 1 == n or time[i + 1] != x
        if single:
            # ---- a block of one subject: group r0, status k0 ----
            r0 = group_of[cl]
            k0 = status_of[cl]
            rs = n_risk[r0]
            if do_risk:
                e = next_risk[r0]
                risk_time[e] = x
                risk_n[e] = int(rs)
                next_risk[r0] = e + 1
            if k0 > 0:
                hk = -1                       # this call's index of the cause (-1: none)
                for h in range(nc):
                    if causes[h] == k0:
                        hk = h
                inv_rs = inv_n[r0]
                km_before = kmm[r0]
                km_after = km_before * (1.0 - inv_rs)
                inv_km_after = 1.0 / km_after if km_after > 0 else 0.0
                km[r0] = km_after
                inv_km[r0] = inv_km_after
                if do_cif:
                    fk_before = fk[r0]
                    if fk_before == km_before:    # 1 - 1 / r is 1 - 1 x (1 / r)
                        inv_fkn = inv_km_after
                        fk[r0] = km_after
                    else:                         # after a tie: cinc's own rounding
                        fk_after = fk_before * (1.0 - 1.0 / rs)
                        inv_fkn = 1.0 / fk_after if fk_after > 0 else 0.0
                        fk[r0] = fk_after
                    fk_rs = fk_before / rs
                    w1 = fk_rs * fk_rs        # fk^2 / r^2 x 1 x (1 - 0): one failure
                    for h in range(nc):
                        if h == hk:
                            f_cif[r0, h] += fk_rs
                            fgh = f_cif[r0, h]
                            b = 1.0 + fgh * inv_fkn
                            cv1[r0, h] += b * b * w1
                            cv2[r0, h] += inv_fkn * (b * w1)
                            cv3[r0, h] += inv_fkn * inv_fkn * w1
                            e = next_jump[r0, h]
                            jump_time[e] = x
                            estimate[e] = fgh
                            variance[e] = (cv1[r0, h] + fgh * fgh * cv3[r0, h]
                                           - 2.0 * fgh * cv2[r0, h])
                            next_jump[r0, h] = e + 1
                        else:
                            aa = f_cif[r0, h] * inv_fkn
                            cv1[r0, h] += aa * aa * w1
                            cv2[r0, h] += inv_fkn * (aa * w1)
                            cv3[r0, h] += inv_fkn * inv_fkn * w1
                if do_gray:
                    tr = 0.0
                    for r in range(ng):
                        tr += t1[r]
                    inv_tr = 1.0 / tr
                    for h in range(nc):
                        if h == hk:
                            _one_failure(h, r0, rho, weighted, n_risk, inv_n, kmm, km,
                                         inv_km, t1, inv_tr, f1, f, c, score, v, v2, v3,
                                         acc, a, t3, t4, mm)
                        elif km_after > 0:
                            t4b = (1.0 - f[h]) * inv_km_after
                            t3b = km_before * km_before * inv_rs * inv_rs
                            acc[h, r0] += t4b * t4b * t3b
            rs -= 1.0
            n_risk[r0] = rs
            kmm[r0] = km[r0]
            inv_n[r0] = 1.0 / rs if rs > 0 else 0.0
            t1[r0] = rs / kmm[r0] if rs > 0 else 0.0
            i += 1
            continue
        # ---- a block of tied times ----
        if packed:
            end, n_touched = _read_block_keys(keys, i, group_of, status_of, block, touched)
        else:
            end, n_touched = _read_block(time, cell, i, group_of, status_of, block, touched)
        nd = 0.0
        for q in range(n_touched):
            r = touched[q]
            s = 0.0
            for k in range(1, n_codes):
                s += block[r, k]
            d_all[r] = s
            nd += s
            if s > 0:
                km[r] = kmm[r] * (1.0 - s * inv_n[r])
                inv_km[r] = 1.0 / km[r] if km[r] > 0 else 0.0
        if do_risk:
            for q in range(n_touched):
                r = touched[q]
                e = next_risk[r]
                risk_time[e] = x
                risk_n[e] = int(n_risk[r])
                next_risk[r] = e + 1
        if do_cif and nd > 0:
            for q in range(n_touched):
                g = touched[q]
                ndg = d_all[g]
                if ndg == 0:
                    continue
                rs = n_risk[g]
                fk_after = fk[g] * (1.0 - ndg / rs)
                inv_fkn = 1.0 / fk_after if fk_after > 0 else 0.0
                fk_rs = fk[g] / rs
                fk2_rs2 = fk_rs * fk_rs
                # 1 / (r - 1) of the tie correction; r = 1 only with x <= 1 (not used then)
                tie = 1.0 / (rs - 1.0) if rs > 1 else 0.0
                for h in range(nc):
                    nd1 = block[g, causes[h]]
                    nd2 = ndg - nd1
                    f_cif[g, h] += fk_rs * nd1
                    w_other = fk2_rs2 * nd2 * (1.0 - (nd2 - 1.0) * tie)
                    w_cause = fk2_rs2 * nd1 * (1.0 - (nd1 - 1.0) * tie)
                    aa = f_cif[g, h] * inv_fkn
                    b = 1.0 + aa
                    cv1[g, h] += aa * aa * w_other + b * b * w_cause
                    cv2[g, h] += inv_fkn * (aa * w_other + b * w_cause)
                    cv3[g, h] += inv_fkn * inv_fkn * (w_other + w_cause)
                    if nd1 > 0:
                        e = next_jump[g, h]
                        fgh = f_cif[g, h]
                        jump_time[e] = x
                        estimate[e] = fgh
                        variance[e] = cv1[g, h] + fgh * fgh * cv3[g, h] - 2.0 * fgh * cv2[g, h]
                        next_jump[g, h] = e + 1
                fk[g] = fk_after
        if do_gray and nd > 0:
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
                    flush_other_causes(h, acc, c, v, v2, v3)
                    for r in range(ng):
                        f1m[r] = f1[h, r]
                        d1[r] = block[r, cause]
                        if n_risk[r] > 0:
                            f1[h, r] = f1m[r] + kmm[r] * block[r, cause] * inv_n[r]
                    f[h] = gray_cause_time(h, nd1, d1, rho, n_risk, km, kmm, inv_n, t1,
                                           inv_km, tr, inv_tr, f1m, f[h], c, score, v, v2,
                                           v3, a, t3, t4, mm)
                if nd - nd1 > 0:
                    one_minus_f = 1.0 - f[h]
                    for q in range(n_touched):
                        r = touched[q]
                        d2 = d_all[r] - block[r, cause]
                        if km[r] > 0 and d2 > 0:
                            t5 = 1.0 - (d2 - 1.0) / (n_risk[r] - 1.0) if d2 > 1 else 1.0
                            t4b = one_minus_f * inv_km[r]
                            t3b = t5 * kmm[r] * kmm[r] * d2 * inv_n[r] * inv_n[r]
                            acc[h, r] += t4b * t4b * t3b
        for q in range(n_touched):
            r = touched[q]
            for k in range(n_codes):
                n_risk[r] -= block[r, k]
                block[r, k] = 0.0
            d_all[r] = 0.0
            kmm[r] = km[r]
            rn = n_risk[r]
            inv_n[r] = 1.0 / rn if rn > 0 else 0.0
            t1[r] = rn / kmm[r] if rn > 0 else 0.0
        i = end
    for h in range(nc):
        flush_other_causes(h, acc, c, v, v2, v3)
    for g in range(ng):
        if do_risk:
            n_times[g] = next_risk[g] - risk_offsets[g]
        for h in range(nc):
            if do_cif:
                slot = curve_of[g, h]
                n_jumps[slot] = next_jump[g, h] - jump_offsets[slot]
    return score.copy(), v.copy(), v2.copy(), v3.copy(), c[:, :m, :].copy()


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _one_failure(h: int, r0: int, rho: float, weighted: bool, n_risk: np.ndarray,
                 inv_n: np.ndarray, kmm: np.ndarray, km: np.ndarray, inv_km: np.ndarray,
                 t1: np.ndarray, inv_tr: float, f1: np.ndarray, f: np.ndarray, c: np.ndarray,
                 score: np.ndarray, v: np.ndarray, v2: np.ndarray, v3: np.ndarray,
                 acc: np.ndarray, a: np.ndarray, t3: np.ndarray, t4: np.ndarray,
                 mm: np.ndarray) -> None:
    """crst's terms of a time with one failure, of cause h in group r0 (a block of one
    subject): :func:`survival_stats._compiled_gray.gray_cause_time` with nd1 = 1, its
    products by 1 (and by fb = 1 when rho = 0) left out, after the flush of the cause's
    other-cause terms; the variance terms are the shared
    :func:`survival_stats._compiled_gray.add_failure_variance` (inlined into the walk)."""
    ng = n_risk.size
    m = ng - 1
    flush_other_causes(h, acc, c, v, v2, v3)
    f_h = f[h]
    tq = 0.0
    for r in range(ng):
        if n_risk[r] > 0:
            tq += t1[r] * (1.0 - f1[h, r])
    one_tq = 1.0 / tq
    fb = (1.0 - f_h) ** rho if weighted else 1.0
    for r in range(m):
        if n_risk[r] > 0:
            u = (1.0 if r == r0 else 0.0) - one_tq * t1[r] * (1.0 - f1[h, r])
            score[h, r] += fb * u if weighted else u
    f1[h, r0] += kmm[r0] * inv_n[r0]
    fh = f_h + inv_tr
    one_fh = 1.0 - fh
    for k in range(ng):
        t4k = 1.0 - one_fh * inv_km[k] if km[k] > 0 else 1.0
        t3k = 0.0
        if n_risk[k] > 0:
            y = kmm[k] * inv_tr * inv_n[k]
            t3k = y if y - y == 0.0 else 0.0     # y finite
        t4[k] = t4k
        t3[k] = t3k
        v3[h, k] += t4k * t4k * t3k
    w = inv_tr / (1.0 - f_h)
    for r in range(m):
        t1r = t1[r]
        for k in range(ng):
            ark = (t1r if r == k else 0.0) - t1r * t1[k] * inv_tr
            if weighted:
                ark = fb * ark
            a[r, k] = ark
            c[h, r, k] += ark * w
    add_failure_variance(h, m, ng, a, c, t3, t4, mm, v, v2)
    f[h] = fh
