"""Compiled (numba) kernels of the Cox fit from 50,000 subjects: survival's ``coxfit6``
(log partial likelihood, score and information), the risk-set sums by stratum and the
concordance counts of ``concordancefit``.

Imported lazily (through :mod:`survival_stats._compiled`), so that ``import survival_stats``
does not pay numba's import; ``cache=True`` keeps the machine code in ``__pycache__``.
``error_model="numpy"``: a division by zero gives inf/NaN as in numpy, not an exception.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def segment_reverse_cumsum(values: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """out[b] = sum of values[b:end of b's segment] (rows of a 2-D array); ``segment_start[b]``
    marks the first row of a segment (a stratum). The risk-set sums of coxph's ``coxfit6``."""
    n, p = values.shape
    out = np.empty((n, p))
    acc = np.zeros(p)
    for b in range(n - 1, -1, -1):
        for k in range(p):
            acc[k] += values[b, k]
            out[b, k] = acc[k]
        if segment_start[b]:
            for k in range(p):
                acc[k] = 0.0
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def segment_cumsum(values: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """out[b] = sum of values[start of b's segment:b + 1] (rows of a 2-D array)."""
    n, p = values.shape
    out = np.empty((n, p))
    acc = np.zeros(p)
    for b in range(n):
        if segment_start[b]:
            for k in range(p):
                acc[k] = 0.0
        for k in range(p):
            acc[k] += values[b, k]
            out[b, k] = acc[k]
    return out


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _fenwick_add(tree: np.ndarray, index: int, value: float) -> None:
    """Add ``value`` at 1-based ``index`` of a Fenwick (binary indexed) tree."""
    n = tree.size - 1
    while index <= n:
        tree[index] += value
        index += index & (-index)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _fenwick_prefix(tree: np.ndarray, index: int) -> float:
    """Sum of the entries 1..``index`` of a Fenwick tree."""
    total = 0.0
    while index > 0:
        total += tree[index]
        index -= index & (-index)
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def concordance_counts(time: np.ndarray, event: np.ndarray, rank: np.ndarray,
                       weight: np.ndarray, segment_start: np.ndarray,
                       n_ranks: int) -> np.ndarray:
    """Weighted (concordant, discordant, tied.x, tied.y) pairs as R ``concordancefit``.

    Rows sorted by (stratum, time) with ``segment_start`` at each stratum's first row; ``rank``
    is the dense rank (0..n_ranks-1) of the risk score. A pair is comparable when the shorter
    time is an event (a censoring tied with an event time counts as longer); concordant when
    the event has the higher risk score; tied.x when the scores are equal; pairs of events at
    one time are tied.y. Walks each stratum from its longest time with a Fenwick tree of the
    weights of the subjects already passed (time strictly greater).
    """
    n = time.size
    tree = np.zeros(n_ranks + 1)
    out = np.zeros(4)
    i = n - 1
    touched = np.empty(n, np.int64)
    n_touched = 0
    while i >= 0:
        # block of equal times [j, i]
        j = i
        while j > 0 and not segment_start[j] and time[j - 1] == time[i]:
            j -= 1
        total = _fenwick_prefix(tree, n_ranks)
        # censored rows of the block are "longer" than the block's events
        cens_w = 0.0
        ev_w = 0.0
        for m in range(j, i + 1):
            if event[m] == 0:
                _fenwick_add(tree, rank[m] + 1, weight[m])
                touched[n_touched] = m
                n_touched += 1
                cens_w += weight[m]
            else:
                ev_w += weight[m]
        total += cens_w
        for m in range(j, i + 1):
            if event[m] == 1:
                below = _fenwick_prefix(tree, rank[m])
                upto = _fenwick_prefix(tree, rank[m] + 1)
                w = weight[m]
                out[0] += w * below
                out[2] += w * (upto - below)
                out[1] += w * (total - upto)
                out[3] += w * (ev_w - w)
        for m in range(j, i + 1):
            if event[m] == 1:
                _fenwick_add(tree, rank[m] + 1, weight[m])
                touched[n_touched] = m
                n_touched += 1
        if segment_start[j]:
            # new stratum below: empty the tree
            for q in range(n_touched):
                rr = rank[touched[q]] + 1
                while rr <= n_ranks:
                    tree[rr] = 0.0
                    rr += rr & (-rr)
            n_touched = 0
        i = j - 1
    out[3] /= 2.0
    return out


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _add_lower_outer(mat: np.ndarray, x: np.ndarray, row: int, weight: float) -> None:
    """mat += weight x[row] x[row]' on and below the diagonal (coxfit6's cmat sums)."""
    for i in range(x.shape[1]):
        xi = weight * x[row, i]
        for j in range(i + 1):
            mat[i, j] += xi * x[row, j]


@njit(cache=True, nogil=True, error_model="numpy")
def coxfit6_step(time: np.ndarray, status: np.ndarray, weight: np.ndarray, x: np.ndarray,
                 stratum_start: np.ndarray, beta: np.ndarray, efron: bool,
                 want_imat: bool) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and information at ``beta``: survival's ``coxfit6``.

    Rows sorted by (stratum, time) ascending, ``stratum_start`` marking each stratum's first
    row; walked from the end as coxfit6 does, accumulating the risk-set sums (denom, a,
    cmat) row by row and, per block of tied times, the deaths' sums (efronwt, a2, cmat2).
    Efron's k-th term uses d2 = denom - (k / d) efronwt (Breslow: d2 = denom). The linear
    predictor is clamped to [-200, 22] (``coxsafe``).
    """
    n, p = x.shape
    loglik = 0.0
    u = np.zeros(p)
    imat = np.zeros((p, p))
    a = np.zeros(p)
    a2 = np.zeros(p)
    cmat = np.zeros((p, p))
    cmat2 = np.zeros((p, p))
    denom = 0.0
    person = n - 1
    new_stratum = True
    while person >= 0:
        if new_stratum:
            denom = 0.0
            for i in range(p):
                a[i] = 0.0
                for j in range(p):
                    cmat[i, j] = 0.0
            new_stratum = False
        dtime = time[person]
        ndead = 0
        deadwt = 0.0
        efronwt = 0.0
        for i in range(p):
            a2[i] = 0.0
            for j in range(p):
                cmat2[i, j] = 0.0
        while person >= 0 and time[person] == dtime:
            zbeta = 0.0
            for i in range(p):
                zbeta += beta[i] * x[person, i]
            if zbeta > 22.0:
                zbeta = 22.0
            elif zbeta < -200.0:
                zbeta = -200.0
            risk = np.exp(zbeta) * weight[person]
            denom += risk
            for i in range(p):
                a[i] += risk * x[person, i]
            if want_imat:
                _add_lower_outer(cmat, x, person, risk)
            if status[person] == 1:
                ndead += 1
                deadwt += weight[person]
                efronwt += risk
                loglik += weight[person] * zbeta
                for i in range(p):
                    u[i] += weight[person] * x[person, i]
                    a2[i] += risk * x[person, i]
                if want_imat:
                    _add_lower_outer(cmat2, x, person, risk)
            last = stratum_start[person]
            person -= 1
            if last:
                new_stratum = True
                break
        if ndead == 0:
            continue
        if not efron or ndead == 1:
            loglik -= deadwt * np.log(denom)
            for i in range(p):
                temp = a[i] / denom
                u[i] -= deadwt * temp
                if want_imat:
                    for j in range(i + 1):
                        imat[j, i] += deadwt * (cmat[i, j] - temp * a[j]) / denom
        else:
            wtave = deadwt / ndead
            for k in range(ndead):
                temp = k / ndead
                d2 = denom - temp * efronwt
                loglik -= wtave * np.log(d2)
                for i in range(p):
                    temp2 = (a[i] - temp * a2[i]) / d2
                    u[i] -= wtave * temp2
                    if want_imat:
                        for j in range(i + 1):
                            imat[j, i] += (wtave / d2) * (
                                (cmat[i, j] - temp * cmat2[i, j]) - temp2 * (a[j] - temp * a2[j]))
    for i in range(p):
        for j in range(i):
            imat[i, j] = imat[j, i]
    return loglik, u, imat
