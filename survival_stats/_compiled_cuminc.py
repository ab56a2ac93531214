"""One compiled walk over the time-ordered subjects for ``cmprsk::cuminc``: the CIFs (with
cmprsk's Aalen variance, Fortran ``cinc``) and Gray's test (Fortran ``crst``) of a set of
causes together, from 100,000 subjects.

A call handles the causes it is given, so that threads can take disjoint sets of causes
(the per-group at-risk and all-cause KM state is cheap and kept by each). A block of one
subject (continuous times: almost every block) has its own code: only that subject's group
changes, the failure counts are 0 or 1, and every term that is then a zero (a product with
a count of 0, a sum with 0) is left out, which gives the very same floating-point results
as the general block code. Blocks of tied times take the general code of
:mod:`survival_stats._compiled_streams` (read by cells, touching only the groups in the
block). Gray's test does its O(groups^2) work only at the times of a failure from its
cause and sums the other-cause terms per group until then (their factor c changes only at
cause times): the same sum as ``crst`` in another order. Formulas and sources as in
:mod:`survival_stats._numpy_kernels` (the table-based twins used below that size).
Gray (1988) Ann Stat 16:1141; Aalen & Johansen (1978) Scand J Stat 5:141.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from survival_stats._compiled_streams import _cell_decoders, _read_block, _read_block_keys


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _flush(h: int, acc: np.ndarray, c: np.ndarray, v: np.ndarray, v2: np.ndarray,
           v3: np.ndarray) -> None:
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _add_failure_variance(h: int, m: int, ng: int, a: np.ndarray, c: np.ndarray,
                          t3: np.ndarray, t4: np.ndarray, mm: np.ndarray, v: np.ndarray,
                          v2: np.ndarray) -> None:
    """crst's variance terms of a failure time of cause h, with its a, t3 and t4:
    mm = a - c diag(t4), v2 += mm diag(t4 t3), v += mm diag(t3) mm' (inlined in each caller)."""
    for p in range(m):
        for k in range(ng):
            mpk = a[p, k] - t4[k] * c[h, p, k]
            mm[p, k] = mpk
            v2[h, p, k] += mpk * t4[k] * t3[k]
    for p in range(m):
        for p2 in range(m):
            s = 0.0
            for k in range(ng):
                s += mm[p, k] * t3[k] * mm[p2, k]
            v[h, p, p2] += s


@njit(cache=True, nogil=True, error_model="numpy")
def _gray_cause_time(h: int, nd1: float, d1: np.ndarray, rho: float, n_risk: np.ndarray,
                     skm: np.ndarray, skmm: np.ndarray, inv_n: np.ndarray, t1: np.ndarray,
                     inv_skm: np.ndarray, tr: float, inv_tr: float, f1m: np.ndarray,
                     fm: float, c: np.ndarray, score: np.ndarray, v: np.ndarray,
                     v2: np.ndarray, v3: np.ndarray, a: np.ndarray, t3: np.ndarray,
                     t4: np.ndarray, mm: np.ndarray) -> float:
    """crst's terms of a time with ``nd1`` > 0 failures from one cause (``d1[r]`` per
    group; ``f1m`` each group's CIF of the cause before the time, ``fm`` the pooled one;
    the cause's sums in ``c[h]``, ``score[h]``, ``v[h]``, ``v2[h]``, ``v3[h]``). Returns
    the pooled CIF after the time. Only rows 0..G-2 of a and c enter the test (are kept)."""
    ng = n_risk.size
    m = ng - 1
    tq = 0.0
    for r in range(ng):
        if n_risk[r] > 0:
            tq += t1[r] * (1.0 - f1m[r])
    fh = fm + nd1 / tr
    fb = 1.0 if rho == 0.0 else (1.0 - fm) ** rho
    w = nd1 * inv_tr / (1.0 - fm)
    for r in range(m):
        t1r = t1[r]
        for k in range(ng):
            ark = fb * ((t1r if r == k else 0.0) - t1r * t1[k] * inv_tr)
            a[r, k] = ark
            c[h, r, k] += ark * w
    nd1_tq = nd1 / tq
    for r in range(m):
        if n_risk[r] > 0:
            score[h, r] += fb * (d1[r] - nd1_tq * t1[r] * (1.0 - f1m[r]))
    one_fh = 1.0 - fh
    for r in range(ng):
        t4r = 1.0 - one_fh * inv_skm[r] if skm[r] > 0 else 1.0
        t3r = 0.0
        if n_risk[r] > 0:
            t5 = 1.0 - (nd1 - 1.0) / (tr * skmm[r] - 1.0) if nd1 > 1 else 1.0
            x = t5 * skmm[r] * nd1 * inv_tr * inv_n[r]
            t3r = x if x - x == 0.0 else 0.0     # x finite
        t4[r] = t4r
        t3[r] = t3r
        v3[h, r] += t4r * t4r * t3r
    _add_failure_variance(h, m, ng, a, c, t3, t4, mm, v, v2)
    return fh


@njit(cache=True, nogil=True, error_model="numpy")
def cuminc_walk(time: np.ndarray, cell: np.ndarray, n_codes: int, group_size: np.ndarray,
                causes: np.ndarray, rho: float, do_gray: bool, do_cif: bool,
                curve_of: np.ndarray, jump_offsets: np.ndarray, jump_time: np.ndarray,
                estimate: np.ndarray, variance: np.ndarray, n_jumps: np.ndarray,
                do_risk: bool, risk_offsets: np.ndarray, risk_time: np.ndarray,
                risk_n: np.ndarray, n_times: np.ndarray, sizes: tuple,
                keys: np.ndarray, base: int) -> tuple[np.ndarray, ...]:
    """CIFs and Gray's test of the causes ``causes`` over one stream (``cell`` = group x
    n_codes + status per subject, in time order; ``group_size`` the subjects per group).

    CIF (``do_cif``): curve (g, h) is the slot ``curve_of[g, h]``, writing its jumps (time,
    estimate, Aalen variance) from ``jump_offsets[slot]`` and counting them in
    ``n_jumps[slot]``. Risk table (``do_risk``): group g writes its distinct times and
    numbers at risk from ``risk_offsets[g]``, counting them in ``n_times[g]``. Gray
    (``do_gray``): returns crst's (score, v, v2, v3, c) per cause (arrays led by the cause).

    With ``keys`` non-empty the subjects are read from the sorted keys of
    :func:`survival_stats._compiled_streams.packed_keys` (above ``base``) instead of
    ``time`` and ``cell``: no decoded copy of the stream.

    ``sizes`` is ``group_size`` as a tuple: its length, the number of groups, is part of
    its type, so numba compiles it in as a constant (one machine code per number of groups,
    cached) and the loops over the groups unroll: a third less time than with the number
    read at run time.
    """
    ng = len(sizes)
    m = max(ng - 1, 0)
    nc = causes.size
    group_of, status_of = _cell_decoders(ng, n_codes)
    local = np.full(n_codes, -1, np.int64)   # status code -> this call's cause index
    for h in range(nc):
        local[causes[h]] = h
    n_risk = group_size.astype(np.float64)
    # Gray: all-cause KM (skmm: before the current block), 1 / n, n / KM(t-), 1 / KM
    skm = np.ones(ng)
    skmm = np.ones(ng)
    inv_n = np.zeros(ng)
    t1 = np.zeros(ng)
    inv_skm = np.ones(ng)
    for r in range(ng):
        if n_risk[r] > 0:
            inv_n[r] = 1.0 / n_risk[r]
            t1[r] = n_risk[r] / skmm[r]
    f1 = np.zeros((nc, ng))
    f1m = np.empty(ng)
    f = np.zeros(nc)
    c = np.zeros((nc, ng, ng))
    score = np.zeros((nc, m))
    v = np.zeros((nc, m, m))
    v2 = np.zeros((nc, m, ng))
    v3 = np.zeros((nc, ng))
    acc = np.zeros((nc, ng))
    a = np.empty((m, ng))
    t3 = np.empty(ng)
    t4 = np.empty(ng)
    mm = np.empty((m, ng))
    d1 = np.zeros(ng)
    # CIF (cinc): all-cause KM fk and the CIF f_cif with its variance sums, per group x cause
    fk = np.ones(ng)
    f_cif = np.zeros((ng, nc))
    cv1 = np.zeros((ng, nc))
    cv2 = np.zeros((ng, nc))
    cv3 = np.zeros((ng, nc))
    block = np.zeros((ng, n_codes))
    touched = np.empty(ng, np.int64)
    d_all = np.zeros(ng)
    packed = keys.size > 0
    n = keys.size if packed else time.size
    four = np.uint64(4)
    low = np.uint64(15)
    base1 = np.uint64(base) - np.uint64(1)
    x_bits = np.zeros(1, np.uint64)      # a key's time: its bits, read back as a double
    x_float = x_bits.view(np.float64)
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
                e = risk_offsets[r0] + n_times[r0]
                risk_time[e] = x
                risk_n[e] = int(rs)
                n_times[r0] += 1
            if k0 > 0:
                hk = local[k0]
                if do_cif:
                    fk_after = fk[r0] * (1.0 - 1.0 / rs)
                    inv_fkn = 1.0 / fk_after if fk_after > 0 else 0.0
                    fk_rs = fk[r0] / rs
                    w1 = fk_rs * fk_rs        # fk^2 / r^2 x 1 x (1 - 0): one failure
                    for h in range(nc):
                        if h == hk:
                            f_cif[r0, h] += fk_rs
                            fgh = f_cif[r0, h]
                            b = 1.0 + fgh * inv_fkn
                            cv1[r0, h] += b * b * w1
                            cv2[r0, h] += inv_fkn * (b * w1)
                            cv3[r0, h] += inv_fkn * inv_fkn * w1
                            slot = curve_of[r0, h]
                            e = jump_offsets[slot] + n_jumps[slot]
                            jump_time[e] = x
                            estimate[e] = fgh
                            variance[e] = (cv1[r0, h] + fgh * fgh * cv3[r0, h]
                                           - 2.0 * fgh * cv2[r0, h])
                            n_jumps[slot] += 1
                        else:
                            aa = f_cif[r0, h] * inv_fkn
                            cv1[r0, h] += aa * aa * w1
                            cv2[r0, h] += inv_fkn * (aa * w1)
                            cv3[r0, h] += inv_fkn * inv_fkn * w1
                    fk[r0] = fk_after
                if do_gray:
                    skm[r0] = skmm[r0] * (1.0 - 1.0 * inv_n[r0])
                    inv_skm[r0] = 1.0 / skm[r0] if skm[r0] > 0 else 0.0
                    tr = 0.0
                    for r in range(ng):
                        tr += t1[r]
                    inv_tr = 1.0 / tr
                    for h in range(nc):
                        if h == hk:
                            for k in range(ng):
                                wk = acc[h, k]
                                if wk != 0.0:
                                    v3[h, k] += wk
                                    for p in range(m):
                                        cw = c[h, p, k] * wk
                                        v2[h, p, k] -= cw
                                        for q in range(m):
                                            v[h, p, q] += cw * c[h, q, k]
                                    acc[h, k] = 0.0
                            for r in range(ng):
                                f1m[r] = f1[h, r]
                            f1[h, r0] = f1m[r0] + skmm[r0] * 1.0 * inv_n[r0]
                            # _gray_cause_time with nd1 = 1 written out (a call with this
                            # many arrays costs about as much as its arithmetic)
                            f_h = f[h]
                            tq = 0.0
                            for r in range(ng):
                                if n_risk[r] > 0:
                                    tq += t1[r] * (1.0 - f1m[r])
                            # (1.0 / tr is inv_tr, and fb = 1 when rho = 0: the products
                            # by 1 are left out, the same numbers)
                            fh = f_h + inv_tr
                            weighted = rho != 0.0
                            fb = (1.0 - f_h) ** rho if weighted else 1.0
                            w = inv_tr / (1.0 - f_h)
                            for r in range(m):
                                t1r = t1[r]
                                for k in range(ng):
                                    diag = t1r if r == k else 0.0
                                    ark = diag - t1r * t1[k] * inv_tr
                                    if weighted:
                                        ark = fb * ark
                                    a[r, k] = ark
                                    c[h, r, k] += ark * w
                            one_tq = 1.0 / tq
                            for r in range(m):
                                if n_risk[r] > 0:
                                    d1r = 1.0 if r == r0 else 0.0
                                    u = d1r - one_tq * t1[r] * (1.0 - f1m[r])
                                    score[h, r] += fb * u if weighted else u
                            one_fh = 1.0 - fh
                            for r in range(ng):
                                t4r = 1.0 - one_fh * inv_skm[r] if skm[r] > 0 else 1.0
                                t3r = 0.0
                                if n_risk[r] > 0:
                                    x = skmm[r] * inv_tr * inv_n[r]
                                    t3r = x if x - x == 0.0 else 0.0     # x finite
                                t4[r] = t4r
                                t3[r] = t3r
                                v3[h, r] += t4r * t4r * t3r
                            _add_failure_variance(h, m, ng, a, c, t3, t4, mm, v, v2)
                            f[h] = fh
                        elif skm[r0] > 0:
                            t4b = (1.0 - f[h]) * inv_skm[r0]
                            t3b = skmm[r0] * skmm[r0] * inv_n[r0] * inv_n[r0]
                            acc[h, r0] += t4b * t4b * t3b
            rs -= 1.0
            n_risk[r0] = rs
            if do_gray:
                skmm[r0] = skm[r0]
                inv_n[r0] = 1.0 / rs if rs > 0 else 0.0
                t1[r0] = rs / skmm[r0] if rs > 0 else 0.0
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
        if do_risk:
            for q in range(n_touched):
                r = touched[q]
                e = risk_offsets[r] + n_times[r]
                risk_time[e] = x
                risk_n[e] = int(n_risk[r])
                n_times[r] += 1
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
                        slot = curve_of[g, h]
                        e = jump_offsets[slot] + n_jumps[slot]
                        fgh = f_cif[g, h]
                        jump_time[e] = x
                        estimate[e] = fgh
                        variance[e] = cv1[g, h] + fgh * fgh * cv3[g, h] - 2.0 * fgh * cv2[g, h]
                        n_jumps[slot] += 1
                fk[g] = fk_after
        if do_gray and nd > 0:
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
                    _flush(h, acc, c, v, v2, v3)
                    for r in range(ng):
                        f1m[r] = f1[h, r]
                        d1[r] = block[r, cause]
                        if n_risk[r] > 0:
                            f1[h, r] = f1m[r] + skmm[r] * block[r, cause] * inv_n[r]
                    f[h] = _gray_cause_time(h, nd1, d1, rho, n_risk, skm, skmm, inv_n, t1,
                                            inv_skm, tr, inv_tr, f1m, f[h], c, score, v, v2,
                                            v3, a, t3, t4, mm)
                    for r in range(ng):
                        d1[r] = 0.0
                if nd - nd1 > 0:
                    one_minus_f = 1.0 - f[h]
                    for q in range(n_touched):
                        r = touched[q]
                        d2 = d_all[r] - block[r, cause]
                        if skm[r] > 0 and d2 > 0:
                            t5 = 1.0 - (d2 - 1.0) / (n_risk[r] - 1.0) if d2 > 1 else 1.0
                            t4b = one_minus_f * inv_skm[r]
                            t3b = t5 * skmm[r] * skmm[r] * d2 * inv_n[r] * inv_n[r]
                            acc[h, r] += t4b * t4b * t3b
        for q in range(n_touched):
            r = touched[q]
            for k in range(n_codes):
                n_risk[r] -= block[r, k]
                block[r, k] = 0.0
            d_all[r] = 0.0
            if do_gray:
                skmm[r] = skm[r]
                rn = n_risk[r]
                inv_n[r] = 1.0 / rn if rn > 0 else 0.0
                t1[r] = rn / skmm[r] if rn > 0 else 0.0
        i = end
    for h in range(nc):
        _flush(h, acc, c, v, v2, v3)
    return score, v, v2, v3, c[:, :m, :].copy()
