"""The subjects of one sample in time order, with their (group x status) cell: the tabulation
of the compiled competing-risks path (from :data:`survival_stats._numpy_kernels.COMPILED_FROM`
subjects), read by the walks of :mod:`survival_stats._compiled_streams`.

cmprsk sorts by time (R ``order``) and walks blocks of tied times. Here the sort is a
counting sort by cell, numpy's sort of each cell (in parallel) and a k-way merge of the cells
(in parallel time ranges): plain float sorts, no argsort and no gather by a permutation
(above :data:`MERGED_CELLS` cells, one argsort). Gray (1988) Ann Stat 16:1141;
Aalen & Johansen (1978) Scand J Stat 5:141; R ``cmprsk::cuminc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from survival_stats.tied_time_table import run_parallel, sorted_cells, worker_threads

#: Up to this many cells the sorted cells are merged (a scan of the cells' heads per
#: subject); above, one stable argsort of the times is cheaper.
MERGED_CELLS = 16


@dataclass(frozen=True)
class EventStream:
    """``time`` increasing; ``cell`` = group x ``n_codes`` + status of each subject (status 0
    censored, 1..K causes); ``group_size`` and ``cell_size`` the subjects per group and cell."""

    time: np.ndarray
    cell: np.ndarray
    n_codes: int
    group_size: np.ndarray
    cell_size: np.ndarray


def uses_streams(n: int) -> bool:
    """Whether n subjects go the compiled way (event streams) rather than numpy's tables."""
    from survival_stats import _numpy_kernels

    return n > 0 and n >= _numpy_kernels.COMPILED_FROM


def event_stream(time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
                 n_codes: int) -> EventStream:
    """The :class:`EventStream` of finite ``time`` with ``group`` codes 0..n_groups-1 and
    ``status`` codes 0..n_codes-1."""

    n_cells = n_groups * n_codes
    if n_cells <= MERGED_CELLS:
        by_cell, offsets = sorted_cells(time, group, status, n_groups, n_codes)
        ordered, cell = _merged(by_cell, offsets, worker_threads(by_cell.size))
        cell_size = np.diff(offsets)
    else:
        order = np.argsort(time, kind="stable")
        ordered = np.ascontiguousarray(time, dtype=np.float64)[order]
        codes = np.asarray(group, np.int64) * n_codes + np.asarray(status, np.int64)
        cell = codes[order]
        cell_size = np.bincount(codes, minlength=n_cells)
    return EventStream(ordered, cell, n_codes, cell_size.reshape(n_groups, n_codes).sum(axis=1),
                       cell_size)


def _merged(by_cell: np.ndarray, offsets: np.ndarray,
            workers: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted cells merged in time order (times, cell codes), the time range cut into
    ``workers`` parts at times taken from the data, each part merged on its own thread (a
    cut falls between distinct times, so blocks of tied times stay whole)."""
    from survival_stats import _compiled_streams

    n = by_cell.size
    out_time = np.empty(n)
    out_cell = np.empty(n, np.int64)
    starts, ends = offsets[:-1], offsets[1:]
    largest = int(np.argmax(ends - starts))
    run = by_cell[starts[largest]:ends[largest]]   # sorted: its quantiles cut the range
    cuts = np.unique(run[(np.arange(1, workers) * run.size) // workers]) if run.size else []
    bounds = [starts] + [np.array([np.searchsorted(by_cell[lo:hi], x, "right") + lo
                                   for lo, hi in zip(starts, ends, strict=True)], np.int64)
                         for x in cuts] + [ends]
    firsts = np.cumsum([0] + [int((b - a).sum()) for a, b in zip(bounds[:-1], bounds[1:],
                                                                    strict=True)])
    run_parallel([partial(_compiled_streams.merge_cells, by_cell, a, b, out_time, out_cell,
                          int(first))
                  for a, b, first in zip(bounds[:-1], bounds[1:], firsts[:-1], strict=True)],
                 workers)
    return out_time, out_cell


def stratum_streams(t: np.ndarray, s: np.ndarray, codes: np.ndarray, n_groups: int,
                    n_codes: int, strata) -> list[EventStream]:
    """One stream per stratum (a single one without strata), every group in each."""
    from survival_stats._arrays import group_codes

    if strata is None:
        return [event_stream(t, s, codes, n_groups, n_codes)]
    st_codes, st_levels = group_codes(strata, t.size, "strata")
    if len(st_levels) == 1:
        return [event_stream(t, s, codes, n_groups, n_codes)]
    return [event_stream(t[sel], s[sel], codes[sel], n_groups, n_codes)
            for sel in (st_codes == h for h in range(len(st_levels)))]


def gray_pieces(streams: list[EventStream], causes: list[int],
                rho: float) -> list[list[tuple[np.ndarray, ...]]]:
    """Per cause, per stratum: crst's (score, v, v2, v3, c) of Gray's test
    (:func:`survival_stats._compiled_streams.gray_stream`, all causes in one walk)."""
    from survival_stats import _compiled_streams

    wanted = np.asarray(causes, np.int64)
    per_stratum = [_compiled_streams.gray_stream(st.time, st.cell, st.n_codes, st.group_size,
                                                 wanted, float(rho)) for st in streams]
    return [[tuple(piece[h] for piece in pieces) for pieces in per_stratum]
            for h in range(len(causes))]
