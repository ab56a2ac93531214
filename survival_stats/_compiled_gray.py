"""Gray's test (cmprsk's Fortran ``crst``) at one block of tied times, for the compiled walk
of :mod:`survival_stats._compiled_cuminc`: the terms of a failure time of one cause and the
flush of the other causes' terms summed until it. Every function is inlined into the walk
(numba ``inline="always"``), so that the walk's state arrays stay on its stack. numba's
cache of the walk is keyed on its own file only: after an edit here (or in
:mod:`survival_stats._compiled_streams`), delete ``survival_stats/__pycache__/*.nb[ci]`` or
the walk keeps the code it inlined before.
Gray (1988) Ann Stat 16:1141; formulas as in :mod:`survival_stats._numpy_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def flush_other_causes(h: int, acc: np.ndarray, c: np.ndarray, v: np.ndarray, v2: np.ndarray,
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
def add_failure_variance(h: int, m: int, ng: int, a: np.ndarray, c: np.ndarray,
                          t3: np.ndarray, t4: np.ndarray, mm: np.ndarray, v: np.ndarray,
                          v2: np.ndarray) -> None:
    """crst's variance terms of a failure time of cause h, with its a, t3 and t4:
    mm = a - c diag(t4), v2 += mm diag(t4 t3), v += mm diag(t3) mm'."""
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gray_cause_time(h: int, nd1: float, d1: np.ndarray, rho: float, n_risk: np.ndarray,
                     skm: np.ndarray, skmm: np.ndarray, inv_n: np.ndarray, t1: np.ndarray,
                     inv_skm: np.ndarray, tr: float, inv_tr: float, f1m: np.ndarray,
                     fm: float, c: np.ndarray, score: np.ndarray, v: np.ndarray,
                     v2: np.ndarray, v3: np.ndarray, a: np.ndarray, t3: np.ndarray,
                     t4: np.ndarray, mm: np.ndarray) -> float:
    """crst's terms of a time with ``nd1`` > 0 failures from one cause (``d1[r]`` per
    group; ``f1m`` each group's CIF of the cause before the time, ``fm`` the pooled one;
    the cause's sums in ``c[h]``, ``score[h]``, ``v[h]``, ``v2[h]``, ``v3[h]``). Returns
    the pooled CIF after the time. Only rows 0..G-2 of a and c enter the test (are kept).
    Inlined, so that the caller's stack arrays (:mod:`survival_stats._fixed_arrays`) stay
    its own."""
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
    add_failure_variance(h, m, ng, a, c, t3, t4, mm, v, v2)
    return fh
