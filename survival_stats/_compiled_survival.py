"""Compiled (numba) merges of the survival estimators from 100,000 subjects: the counting
sort of the times by (group x status) cell, survfit's tabulation of one group and survdiff's
log-rank sums over the sorted cells.

Imported lazily (through :mod:`survival_stats._compiled`), so that ``import survival_stats``
does not pay numba's import; ``cache=True`` keeps the machine code in ``__pycache__``.
``error_model="numpy"``: a division by zero gives inf/NaN as in numpy, not an exception.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
def km_from_sorted(events: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distinct times of one group with n.risk, n.event, n.censor, from its sorted event and
    censoring times (a merge; survfit's tabulation: events and censorings at one time form one
    row, at risk = number with time >= t)."""
    ne, nc = events.size, censored.size
    n = ne + nc
    time = np.empty(n)
    n_risk = np.empty(n, np.int64)
    n_event = np.empty(n, np.int64)
    n_censor = np.empty(n, np.int64)
    i = 0
    j = 0
    k = 0
    passed = 0
    while i < ne or j < nc:
        t = events[i] if j >= nc or (i < ne and events[i] <= censored[j]) else censored[j]
        d = 0
        while i < ne and events[i] == t:
            d += 1
            i += 1
        c = 0
        while j < nc and censored[j] == t:
            c += 1
            j += 1
        time[k] = t
        n_risk[k] = n - passed
        n_event[k] = d
        n_censor[k] = c
        passed += d + c
        k += 1
    return time[:k], n_risk[:k], n_event[:k], n_censor[:k]


@njit(cache=True, nogil=True, error_model="numpy")
def logrank_from_sorted(by_cell: np.ndarray, offsets: np.ndarray, n_groups: int,
                        rho: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted observed, expected and variance of the G-group log-rank test in one stratum:
    R ``survdiff``'s ``survdiff2``. Cells are group x (0 censored, 1 event), each sorted.

    At each distinct time with d > 0 deaths among r at risk (r_g, d_g per group), with the
    weight w = S(t-)^rho of the pooled Kaplan-Meier (Fleming & Harrington 1982): O_g += w d_g,
    E_g += w d r_g / r, V += w^2 d (r - d) / (r - 1) (diag(r_g / r) - r_g r_h / r^2).
    """
    g2 = 2 * n_groups
    pos = offsets[:-1].copy()
    size = np.zeros(n_groups)
    for g in range(n_groups):
        size[g] = offsets[2 * g + 2] - offsets[2 * g]
    passed = np.zeros(n_groups)
    observed = np.zeros(n_groups)
    expected = np.zeros(n_groups)
    var = np.zeros((n_groups, n_groups))
    r_g = np.zeros(n_groups)
    d_g = np.zeros(n_groups)
    km = 1.0
    total = 0.0
    for g in range(n_groups):
        total += size[g]
    while True:
        t = np.inf
        for c in range(g2):
            if pos[c] < offsets[c + 1] and by_cell[pos[c]] < t:
                t = by_cell[pos[c]]
        if t == np.inf:
            break
        r = 0.0
        d = 0.0
        for g in range(n_groups):
            r_g[g] = size[g] - passed[g]
            r += r_g[g]
            dd = 0.0
            c = 2 * g + 1
            while pos[c] < offsets[c + 1] and by_cell[pos[c]] == t:
                dd += 1.0
                pos[c] += 1
            cc = 0.0
            c = 2 * g
            while pos[c] < offsets[c + 1] and by_cell[pos[c]] == t:
                cc += 1.0
                pos[c] += 1
            d_g[g] = dd
            d += dd
            passed[g] += dd + cc
        if d == 0.0:
            continue
        w = 1.0 if rho == 0.0 else km ** rho
        for g in range(n_groups):
            observed[g] += w * d_g[g]
            expected[g] += w * d * r_g[g] / r
        if r > 1.0:
            kappa = w * w * d * (r - d) / (r * r * (r - 1.0))
            for g in range(n_groups):
                var[g, g] += kappa * r_g[g] * r
                for h in range(n_groups):
                    var[g, h] -= kappa * r_g[g] * r_g[h]
        km *= (r - d) / r
    return observed, expected, var
