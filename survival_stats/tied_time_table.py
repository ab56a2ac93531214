"""The tabulations behind the estimators: counts per (distinct time, group, status) for the
numpy paths, the times sorted within (group x status) cells for the compiled ones, and the
threads that share an analysis' independent pieces.

cmprsk sorts by time (R ``order``) and walks blocks of tied times; every quantity of
``cuminc`` (the CIFs, their variance, Gray's test) is a function of the numbers at risk and
the failures per block, group and cause. The table is built once, so that the CIFs and the
tests of one analysis share it (see :func:`survival_stats.competing_risks`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(frozen=True)
class TiedTimeTable:
    """Counts of one sample per (group, status code, distinct time), group-major.

    ``time`` holds the distinct times, increasing; ``counts[g, k, j]`` the number of subjects
    of group g with status k (0 = censored, 1..K = causes) and time ``time[j]``;
    ``n_risk[g, j]`` the number of group g with time >= ``time[j]``; ``d_all[g, j]`` its
    failures from any cause at ``time[j]``; ``present[g, j]`` whether group g has the time.
    """

    time: np.ndarray      # (T,)
    counts: np.ndarray    # (G, K + 1, T) int64
    n_risk: np.ndarray    # (G, T) float64
    d_all: np.ndarray     # (G, T) float64
    present: np.ndarray   # (G, T) bool: the group has subjects with this time

    def failures(self, cause: int) -> tuple[np.ndarray, np.ndarray]:
        """(failures from ``cause``, failures from the other causes) per (group, time)."""
        d_cause = self.counts[:, cause, :].astype(np.float64)
        return d_cause, self.d_all - d_cause


def tied_time_table(time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
                    n_codes: int) -> TiedTimeTable:
    """Tabulate (time, group code, status code) into a :class:`TiedTimeTable` (numpy:
    ``np.unique`` and bincount). ``time`` must be finite; ``group`` holds codes
    0..n_groups-1, ``status`` 0..n_codes-1. Used below
    :data:`survival_stats._numpy_kernels.COMPILED_FROM` subjects; from there the estimators
    read the time-ordered subjects instead (:mod:`survival_stats.event_stream`).
    """
    from survival_stats import _numpy_kernels

    t = np.ascontiguousarray(time, dtype=np.float64)
    return TiedTimeTable(*_numpy_kernels.tabulate(t, status, group, n_groups, n_codes))


def worker_threads(n: int) -> int:
    """Threads for the independent pieces of one analysis of n subjects: one below 50,000
    (a thread pool costs more than it saves there), else ``AML_REGISTRY_STATS_THREADS`` or
    the machine's idle cores, at most 4 (numpy's sorts and the compiled kernels release the
    GIL). Idle: the cores less the 1-minute load average of the other processes (this one
    counting as about 1), rounded; on a shared machine whose cores are busy a second thread
    only waits for a core and costs more than it saves (measured: 1M subjects, load 4.5 on
    2 cores, 0.115 s with 2 threads, 0.085 s with 1).
    """
    if n < 50_000:
        return 1
    configured = os.environ.get("AML_REGISTRY_STATS_THREADS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"AML_REGISTRY_STATS_THREADS must be a positive whole number, "
                             f"not {configured!r}")
        return int(configured)
    cores = max(1, min(4, os.cpu_count() or 1))
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        return cores
    return max(1, min(cores, 1 + math.floor(cores - load + 0.5)))


def run_parallel(tasks: list[Callable[[], T]], workers: int) -> list[T]:
    """Results of ``tasks`` in order, run on ``workers`` threads (inline when 1)."""
    if workers <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(min(workers, len(tasks))) as pool:
        return list(pool.map(lambda task: task(), tasks))


def _balanced_cell_ranges(offsets: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Split the cells into ``parts`` contiguous ranges of about equal numbers of rows."""
    n_cells = offsets.size - 1
    bounds = np.searchsorted(offsets, np.linspace(0, offsets[-1], parts + 1)[1:-1])
    edges = [0, *sorted({int(min(max(b, 1), n_cells)) for b in bounds}), n_cells]
    return [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True) if hi > lo]


def sorted_cells(time: np.ndarray, group: np.ndarray, status: np.ndarray, n_groups: int,
                 n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """The times partitioned by cell = group x n_codes + status and sorted within each cell:
    the cell c holds ``by_cell[offsets[c]:offsets[c + 1]]``. A counting sort by cell and one
    float sort per cell (in parallel on :func:`worker_threads`): no argsort, no gather."""
    from survival_stats import _compiled

    t = np.ascontiguousarray(time, dtype=np.float64)
    n_cells = n_groups * n_codes
    by_cell, offsets = _compiled.partition_by_cell(
        t, np.ascontiguousarray(group, dtype=np.int64),
        np.ascontiguousarray(status, dtype=np.int64), n_codes, n_cells)

    def sort_cells(lo: int, hi: int) -> None:
        for c in range(lo, hi):
            by_cell[offsets[c]:offsets[c + 1]].sort()

    workers = worker_threads(t.size)
    run_parallel([partial(sort_cells, lo, hi)
                  for lo, hi in _balanced_cell_ranges(offsets, workers)], workers)
    return by_cell, offsets
