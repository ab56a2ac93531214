"""The subjects of one sample in time order, with their (group x status) cell: the tabulation
of the compiled competing-risks path (from :data:`survival_stats._numpy_kernels.COMPILED_FROM`
subjects), read by the walk of :mod:`survival_stats._compiled_cuminc`.

cmprsk sorts by time (R ``order``) and walks blocks of tied times. Here the sort is one
sort of integer keys holding the time's bits and the cell (:data:`PACKED_CELLS`); else a
counting sort by cell, numpy's sort of each cell (in parallel) and a k-way merge of the cells
(in parallel time ranges); above :data:`MERGED_CELLS` cells, one argsort. No argsort and no
gather by a permutation where the cells fit in the key. Gray (1988) Ann Stat 16:1141;
Aalen & Johansen (1978) Scand J Stat 5:141; R ``cmprsk::cuminc``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from survival_stats.tied_time_table import run_parallel, sorted_cells, worker_threads

#: Up to this many cells (4 bits) the cell rides in the low bits of a sort key whose high
#: bits are the time's (:func:`survival_stats._compiled_streams.packed_keys`): one sort of
#: unsigned integers gives the stream, when the times span fewer than 2^59 bit patterns.
PACKED_CELLS = 16

#: Up to this many cells the sorted cells are merged (a scan of the cells' heads per
#: subject); above, one stable argsort of the times is cheaper.
MERGED_CELLS = 16


_NO_KEYS = np.zeros(0, np.uint64)


@dataclass(frozen=True)
class EventStream:
    """``time`` increasing; ``cell`` = group x ``n_codes`` + status of each subject (status 0
    censored, 1..K causes); ``group_size`` and ``cell_size`` the subjects per group and cell.
    Or, when ``keys`` is not empty, both held in the sorted keys of
    :func:`survival_stats._compiled_streams.packed_keys` (above ``base``), read as they are
    by the walk (``time`` and ``cell`` then empty)."""

    time: np.ndarray
    cell: np.ndarray
    n_codes: int
    group_size: np.ndarray
    cell_size: np.ndarray
    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    base: int = 0

    @property
    def size(self) -> int:
        """Number of subjects."""
        return int(self.keys.size) if self.keys.size else int(self.time.size)


def uses_streams(n: int) -> bool:
    """Whether n subjects go the compiled way (event streams) rather than numpy's tables."""
    from survival_stats import _numpy_kernels

    return n > 0 and n >= _numpy_kernels.COMPILED_FROM


@dataclass(frozen=True)
class StreamHint:
    """What the compiled input scan already knows about a sample
    (:func:`survival_stats._compiled_streams.scan_and_pack`): the bit patterns of its
    smallest and largest time > 0 and, when it built them, the unsorted sort keys (above
    ``base``) with the subjects per cell, for ``n_groups`` groups and ``n_codes`` status
    codes (``keys`` empty otherwise)."""

    time_span: tuple[int, int]
    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    base: int = 0
    cell_size: np.ndarray | None = None
    n_groups: int = 0
    n_codes: int = 0


def event_stream(time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
                 n_codes: int, hint: StreamHint | None = None) -> EventStream:
    """The :class:`EventStream` of finite ``time`` with ``group`` codes 0..n_groups-1 and
    ``status`` codes 0..n_codes-1; ``hint``: what the input scan found (its keys are used,
    and sorted, when they are for these groups and codes)."""
    from survival_stats import _compiled_streams

    n_cells = n_groups * n_codes
    t = np.ascontiguousarray(time, dtype=np.float64)
    g = np.ascontiguousarray(group, dtype=np.int64)
    s = np.ascontiguousarray(status, dtype=np.int64)
    if n_cells <= PACKED_CELLS:
        if hint is not None and hint.keys.size == t.size and hint.n_groups == n_groups \
                and hint.n_codes == n_codes:
            keys, base, fits, cell_size = hint.keys, hint.base, True, hint.cell_size
        else:
            low, high = hint.time_span if hint is not None else \
                _compiled_streams.positive_time_span(t)
            keys, base, fits, cell_size = _compiled_streams.packed_keys(
                t, g, s, n_codes, n_cells, np.uint64(low), np.uint64(high))
        if fits:
            keys.sort()
            return EventStream(np.zeros(0), np.zeros(0, np.int64), n_codes,
                               cell_size.reshape(n_groups, n_codes).sum(axis=1), cell_size,
                               keys, int(base))
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
                    n_codes: int, strata, whole: EventStream | None = None,
                    hint: StreamHint | None = None) -> list[EventStream]:
    """One stream per stratum (a single one without strata: ``whole`` when given), every
    group in each (``hint`` as :func:`event_stream`'s, of all of ``t``)."""
    from survival_stats._arrays import group_codes

    if strata is None:
        return [whole or event_stream(t, s, codes, n_groups, n_codes, hint)]
    st_codes, st_levels = group_codes(strata, t.size, "strata")
    if len(st_levels) == 1:
        return [whole or event_stream(t, s, codes, n_groups, n_codes, hint)]
    return [event_stream(t[sel], s[sel], codes[sel], n_groups, n_codes)
            for sel in (st_codes == h for h in range(len(st_levels)))]


@dataclass(frozen=True)
class CifArrays:
    """The CIF walks' output: curve slot g x causes + h holds ``n_jumps[slot]`` jumps from
    ``jump_offsets[slot]`` in ``jump_time``/``estimate``/``variance``; group g its
    ``n_times[g]`` distinct times from ``risk_offsets[g]`` in ``risk_time``/``risk_n``."""

    jump_offsets: np.ndarray
    jump_time: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    n_jumps: np.ndarray
    risk_offsets: np.ndarray
    risk_time: np.ndarray
    risk_n: np.ndarray
    n_times: np.ndarray


def cuminc_walks(stream: EventStream | None, gray_streams: list[EventStream] | None,
                 causes: list[int], rho: float,
                 workers: int) -> tuple[CifArrays | None, list[list[tuple[np.ndarray, ...]]]]:
    """The CIFs of every group x cause over ``stream`` (None: none) and, per cause and
    stratum, crst's (score, v, v2, v3, c) of Gray's test over ``gray_streams`` (None: no
    test), by :func:`survival_stats._compiled_cuminc.cuminc_walk`. The causes are split
    over ``workers`` threads; without strata one walk per thread does curves and tests."""
    from survival_stats import _compiled_cuminc

    nc = len(causes)
    wanted = np.asarray(causes, np.int64)
    chunks = [ch for ch in np.array_split(np.arange(nc), max(1, min(workers, nc))) if ch.size]
    cif = None
    ref = stream if stream is not None else (gray_streams[0] if gray_streams else None)
    ng = ref.group_size.size if ref is not None else 0
    if stream is not None:
        room = stream.cell_size.reshape(ng, stream.n_codes)[:, wanted].ravel()
        jump_offsets = np.r_[0, np.cumsum(room)].astype(np.int64)
        risk_offsets = np.r_[0, np.cumsum(stream.group_size)].astype(np.int64)
        total = int(jump_offsets[-1])
        cif = CifArrays(jump_offsets, np.empty(total), np.empty(total), np.empty(total),
                        np.zeros(ng * nc, np.int64), risk_offsets,
                        np.empty(int(risk_offsets[-1])),
                        np.empty(int(risk_offsets[-1]), np.int64), np.zeros(ng, np.int64))
    slots = np.arange(ng * nc, dtype=np.int64).reshape(ng, nc) if ng else \
        np.zeros((0, nc), np.int64)
    fused = stream is not None and gray_streams is not None and len(gray_streams) == 1 \
        and gray_streams[0] is stream and (len(chunks) > 1 or workers == 1)

    def walk(st: EventStream, chunk: np.ndarray, gray: bool, curves: bool, risk: bool):
        out = cif if curves else _EMPTY
        return _compiled_cuminc.cuminc_walk(
            st.time, st.cell, st.n_codes, tuple(int(x) for x in st.group_size),
            tuple(int(k) for k in wanted[chunk]), float(rho), gray, curves,
            np.ascontiguousarray(slots[:, chunk]), out.jump_offsets, out.jump_time,
            out.estimate, out.variance, out.n_jumps, risk, out.risk_offsets, out.risk_time,
            out.risk_n, out.n_times, st.keys, st.base)

    tasks = []   # (stratum or None, chunk, callable)
    if stream is not None:
        tasks += [(0 if fused else None, ch,
                   partial(walk, stream, ch, fused, True, j == 0))
                  for j, ch in enumerate(chunks)]
    if gray_streams is not None and not fused:
        tasks += [(s, ch, partial(walk, st, ch, True, False, False))
                  for s, st in enumerate(gray_streams) for ch in chunks]
    results = run_parallel([task for _, _, task in tasks], workers)
    n_strata = len(gray_streams) if gray_streams is not None else 0
    per_stratum: list[list] = [[None] * nc for _ in range(n_strata)]
    for (s, ch, _), pieces in zip(tasks, results, strict=True):
        if s is None:
            continue
        for j, h in enumerate(ch):
            per_stratum[s][h] = tuple(piece[j] for piece in pieces)
    return cif, [[per_stratum[s][h] for s in range(n_strata)] for h in range(nc)]


_EMPTY = CifArrays(np.zeros(1, np.int64), np.empty(0), np.empty(0), np.empty(0),
                   np.zeros(0, np.int64), np.zeros(1, np.int64), np.empty(0),
                   np.empty(0, np.int64), np.zeros(0, np.int64))
