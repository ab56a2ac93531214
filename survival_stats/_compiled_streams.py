"""The subjects in time order (the event stream) for ``cmprsk::cuminc`` from 100,000
subjects: the k-way merge of the sorted (group x status) cells, and the reading of one block
of tied times, for the walk of :mod:`survival_stats._compiled_cuminc`.

No table over (group x status x distinct time): with continuous times that table has a
column per subject, and reading it cost more than the estimators. Gray (1988) Ann Stat
16:1141; R ``cmprsk::cuminc`` sorts by time (``order``) and walks blocks of tied times.
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
def _touched_groups(block: np.ndarray, touched: np.ndarray) -> int:
    """The groups with a subject in the block just counted (rows of ``block`` not all 0)
    into ``touched``, in group order; returns their number."""
    n_touched = 0
    for g in range(block.shape[0]):
        seen = False
        for k in range(block.shape[1]):
            seen |= block[g, k] != 0.0
        if seen:
            touched[n_touched] = g
            n_touched += 1
    return n_touched


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _read_block(time: np.ndarray, cell: np.ndarray, start: int, group_of: np.ndarray,
                status_of: np.ndarray, block: np.ndarray,
                touched: np.ndarray) -> tuple[int, int]:
    """Count the block of tied times from ``start`` into block[g, k] (``group_of`` and
    ``status_of`` decode a cell); the groups in it go to ``touched``. Returns (end of the
    block, number of groups touched). The cell code g x n_codes + k is block[g, k]'s place
    in the C-ordered block: the count needs no decoding and no branch per subject."""
    n = time.size
    x = time[start]
    if start + 1 == n or time[start + 1] != x:  # a time of one subject (continuous times)
        g = group_of[cell[start]]
        touched[0] = g
        block[g, status_of[cell[start]]] += 1.0
        return start + 1, 1
    flat = block.reshape(block.size)
    end = start
    while end < n and time[end] == x:
        flat[cell[end]] += 1.0
        end += 1
    return end, _touched_groups(block, touched)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _read_block_keys(keys: np.ndarray, start: int, group_of: np.ndarray,
                     status_of: np.ndarray, block: np.ndarray,
                     touched: np.ndarray) -> tuple[int, int]:
    """:func:`_read_block` over sorted :func:`packed_keys` (time: the bits above 4, cell:
    the 4 low bits)."""
    n = keys.size
    four = np.uint64(4)
    mask = np.uint64(15)
    x = keys[start] >> four
    flat = block.reshape(block.size)
    end = start
    while end < n and keys[end] >> four == x:
        flat[np.int64(keys[end] & mask)] += 1.0
        end += 1
    return end, _touched_groups(block, touched)


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


@njit(cache=True, nogil=True, error_model="numpy")
def positive_time_span(time: np.ndarray) -> tuple[np.uint64, np.uint64]:
    """The bit patterns of the smallest and the largest time > 0 (all ones and 0 when no
    time is > 0): the span of :func:`packed_keys`."""
    bits = time.view(np.uint64)
    low = np.uint64(0xFFFFFFFFFFFFFFFF)
    high = np.uint64(0)
    for i in range(time.size):
        b = bits[i]
        if time[i] > 0:
            low = min(low, b)
            high = max(high, b)
    return low, high


@njit(cache=True, nogil=True, error_model="numpy")
def packed_keys(time: np.ndarray, group: np.ndarray, status: np.ndarray, n_codes: int,
                n_cells: int, low: np.uint64,
                high: np.uint64) -> tuple[np.ndarray, np.uint64, bool, np.ndarray]:
    """One sortable unsigned key per subject: its time's bits above 4 bits of its cell
    (group x n_codes + status, < 16). A non-negative double's bits increase with its value,
    so the keys sort by time, then cell; they are taken relative to the smallest positive
    time (``low``, from :func:`positive_time_span` or :func:`scan_inputs`, with the largest
    ``high``; 0 stands for a zero time) and fit when the times span fewer than 2^59 bit
    patterns (about 128 powers of two), else ``ok`` is False. Returns (keys, base, ok,
    subjects per cell)."""
    n = time.size
    bits = time.view(np.uint64)
    base = low
    keys = np.empty(n, np.uint64)
    cell_size = np.zeros(n_cells, np.int64)
    if high == 0:  # every time zero
        base = np.uint64(0)
    elif high - base >= np.uint64(1 << 59):
        return keys, base, False, cell_size
    one = np.uint64(1)
    four = np.uint64(4)
    for i in range(n):     # no branch, no counter: vectorised
        rel = bits[i] - base + one if time[i] > 0 else np.uint64(0)
        keys[i] = (rel << four) | np.uint64(group[i] * n_codes + status[i])
    for i in range(n):
        cell_size[group[i] * n_codes + status[i]] += 1
    return keys, base, True, cell_size


#: Up to this many (group x status) code pairs, :func:`scan_inputs` counts pairs (one
#: increment per subject), else status and group codes apart.
_PAIRS_COUNTED = 1024


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _checked_tops(time: np.ndarray, status: np.ndarray,
                  group: np.ndarray) -> tuple[bool, int, int, np.uint64, np.uint64]:
    """(all valid, largest status code, largest group code, smallest and largest bit
    pattern of a time > 0): one pass without a branch (numba vectorises it)."""
    n = time.size
    bits = time.view(np.uint64)
    ones = np.uint64(0xFFFFFFFFFFFFFFFF)
    zero = np.uint64(0)
    times_ok = True
    s_top = 0
    g_top = 0
    s_low = 0
    g_low = 0
    low = ones
    high = zero
    for i in range(n):
        t = time[i]
        s = status[i]
        g = group[i]
        times_ok &= (t >= 0.0) & (t < np.inf)
        s_top = max(s_top, s)
        g_top = max(g_top, g)
        s_low = min(s_low, s)
        g_low = min(g_low, g)
        b = bits[i]
        positive = t > 0
        low = min(low, b if positive else ones)
        high = max(high, b if positive else zero)
    ok = times_ok and s_low >= 0 and g_low >= 0 and s_top <= 65535 and g_top <= 65535
    return ok, s_top, g_top, low, high


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _code_counts(status: np.ndarray, group: np.ndarray, s_top: int, g_top: int,
                 pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subjects per status code and per group code from the (group x status) pair counts
    ``pairs`` (empty: counted here, apart)."""
    n_status = s_top + 1
    per_status = np.zeros(n_status, np.int64)
    per_group = np.zeros(g_top + 1, np.int64)
    if pairs.size:
        for g in range(g_top + 1):
            for k in range(n_status):
                per_status[k] += pairs[g * n_status + k]
                per_group[g] += pairs[g * n_status + k]
    else:
        for i in range(status.size):
            per_status[status[i]] += 1
            per_group[group[i]] += 1
    return per_status, per_group


@njit(cache=True, nogil=True, error_model="numpy")
def scan_inputs(time: np.ndarray, status: np.ndarray,
                group: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray, np.uint64, np.uint64]:
    """Whether every time of ``cuminc``'s inputs is finite and >= 0 and every status and
    group code is a whole number in 0..65535, with the subjects per status code and per
    group code (counts up to the largest code) and the bit patterns of the smallest and
    largest time > 0 (as :func:`positive_time_span`). False sends the caller to the checks
    that name the first bad value. The checks, largest codes and time span are one pass
    without a branch (numba vectorises it), the counts a second."""
    ok, s_top, g_top, low, high = _checked_tops(time, status, group)
    if not ok or time.size == 0:
        return ok, np.zeros(0, np.int64), np.zeros(0, np.int64), low, high
    n_pairs = (s_top + 1) * (g_top + 1)
    pairs = np.zeros(n_pairs if n_pairs <= _PAIRS_COUNTED else 0, np.int64)
    if pairs.size:
        for i in range(time.size):
            pairs[group[i] * (s_top + 1) + status[i]] += 1
    per_status, per_group = _code_counts(status, group, s_top, g_top, pairs)
    return True, per_status, per_group, low, high


@njit(cache=True, nogil=True, error_model="numpy")
def scan_and_pack(time: np.ndarray, status: np.ndarray, group: np.ndarray,
                  max_cells: int) -> tuple[bool, np.ndarray, np.ndarray, np.uint64, np.uint64,
                                           np.ndarray, np.uint64, np.ndarray]:
    """:func:`scan_inputs` that also builds the unsorted :func:`packed_keys` of the
    subjects in its counting pass, for cells = group code x (largest status + 1) + status,
    when there are at most ``max_cells`` such cells and the times fit the keys: (ok, per
    status, per group, low, high, keys, base, subjects per cell), the keys empty when they
    were not built. One pass over the inputs fewer than the scan and then the keys."""
    empty = np.zeros(0, np.int64)
    no_keys = np.zeros(0, np.uint64)
    ok, s_top, g_top, low, high = _checked_tops(time, status, group)
    if not ok or time.size == 0:
        return ok, empty, empty, low, high, no_keys, np.uint64(0), empty
    n_status = s_top + 1
    n_cells = n_status * (g_top + 1)
    base = np.uint64(0) if high == 0 else low
    fits = high == 0 or high - low < np.uint64(1 << 59)
    if n_cells > max_cells or not fits:
        per_status, per_group = scan_inputs(time, status, group)[1:3]
        return True, per_status, per_group, low, high, no_keys, base, empty
    bits = time.view(np.uint64)
    keys = np.empty(time.size, np.uint64)
    cell_size = np.zeros(n_cells, np.int64)
    one = np.uint64(1)
    four = np.uint64(4)
    for i in range(time.size):
        rel = bits[i] - base + one if time[i] > 0 else np.uint64(0)
        c = group[i] * n_status + status[i]
        cell_size[c] += 1
        keys[i] = (rel << four) | np.uint64(c)
    per_status, per_group = _code_counts(status, group, s_top, g_top, cell_size)
    return True, per_status, per_group, low, high, keys, base, cell_size
