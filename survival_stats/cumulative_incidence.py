"""Cumulative incidence (Aalen-Johansen) for competing risks with cmprsk's variance.

Aalen & Johansen (1978) Scand J Stat 5:141; variance: Aalen (1978) Ann Stat 6:534, as in
Gray's ``cmprsk::cuminc`` (Fortran ``cinc``). Must agree with R ``cmprsk::cuminc`` and
``cmprsk::timepoints``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import as_float, group_codes, z_value
from survival_stats._validate import as_codes, check_lengths, check_times
from survival_stats.event_stream import (
    PACKED_CELLS,
    CifArrays,
    EventStream,
    StreamHint,
    cuminc_walks,
    event_stream,
    uses_streams,
)
from survival_stats.tied_time_table import TiedTimeTable, tied_time_table, worker_threads


@dataclass(frozen=True)
class CIFCurve:
    """One cumulative incidence function (group x cause) as a right-continuous step function.

    ``time``/``estimate``/``variance`` hold the jumps (distinct event times of this cause);
    ``variance`` is cmprsk's Aalen (1978) variance. ``max_time`` is the group's largest
    follow-up time; cmprsk's ``timepoints`` gives NA beyond it. ``risk_time``/``risk_n`` give
    the number at risk (time >= t) at each distinct time of the group.
    """

    group: object
    cause: int
    n: int
    time: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    max_time: float
    risk_time: np.ndarray
    risk_n: np.ndarray

    def at(self, times, conf_level: float = 0.95) -> dict[str, np.ndarray]:
        """Estimate, variance, SE, CI and number at risk at requested times.

        Step function as ``cmprsk::timepoints``: value at the last jump <= t, 0 before the
        first jump, NaN after the group's last follow-up time (cmprsk's convention; R returns
        NA there). CI by the log(-log) transform (see :func:`cif_confint`).
        """
        t = as_float(times)
        idx = np.searchsorted(self.time, t, side="right") - 1
        j = np.maximum(idx, 0)
        has = self.time.size > 0
        est = np.where(idx < 0, 0.0, self.estimate[j] if has else 0.0)
        var = np.where(idx < 0, 0.0, self.variance[j] if has else 0.0)
        beyond = t > self.max_time
        est = np.where(beyond, np.nan, est)
        var = np.where(beyond, np.nan, var)
        # v1 + F^2 v3 - 2 F v2 can cancel to -1e-17 where the variance is 0 (e.g. F = 1):
        # the SE is then 0, where R's sqrt() would give NaN with a warning.
        se = np.sqrt(np.maximum(var, 0.0))
        lower, upper = cif_confint(est, se, conf_level)
        k = np.searchsorted(self.risk_time, t, side="left")
        n_risk = np.where(
            k < self.risk_time.size, self.risk_n[np.minimum(k, max(self.risk_time.size - 1, 0))]
            if self.risk_time.size else 0, 0
        )
        return {"time": t, "estimate": est, "variance": var, "se": se, "lower": lower,
                "upper": upper, "n_risk": np.asarray(n_risk, dtype=np.int64)}

    def cmprsk_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (time, est, var) vectors exactly as ``cuminc`` returns them for plotting:
        (0, 0, 0), then each jump twice (value before, value after), then the last follow-up."""
        m = self.time.size
        t = np.empty(2 * m + 2)
        f = np.empty_like(t)
        v = np.empty_like(t)
        t[0] = f[0] = v[0] = 0.0
        t[1:-1:2] = self.time
        t[2:-1:2] = self.time
        prev_f = np.r_[0.0, self.estimate[:-1]]
        prev_v = np.r_[0.0, self.variance[:-1]]
        f[1:-1:2], f[2:-1:2] = prev_f, self.estimate
        v[1:-1:2], v[2:-1:2] = prev_v, self.variance
        t[-1] = self.max_time
        f[-1] = f[-2]
        v[-1] = v[-2]
        return t, f, v


def cif_confint(
    estimate: np.ndarray, se: np.ndarray, conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI of a cumulative incidence F by the log(-log) transform.

    lower = F ** exp(-z·se / (F·log F)),  upper = F ** exp(+z·se / (F·log F))
    (F·log F < 0, so lower <= F <= upper), i.e. log(-log F) ± z·se/|F log F| mapped back (Kalbfleisch & Prentice 2002, 4.3; the
    convention of cmprsk users and ``tidycmprsk``; cmprsk itself reports no CI). NaN when F
    is 0, 1 or NaN.
    """
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = np.where((estimate <= 0) | (estimate >= 1), np.nan, estimate)
        k = z * se / (f * np.log(f))
        return f ** np.exp(-k), f ** np.exp(k)


def cumulative_incidence(time, status, group=None, causes=None,
                         cencode: int = 0) -> list[CIFCurve]:
    """Aalen-Johansen cumulative incidence for every cause (and group), cmprsk variance.

    Aalen & Johansen (1978) Scand J Stat 5:141; variance Aalen (1978) Ann Stat 6:534.
    Agrees with R ``cmprsk::cuminc(ftime, fstatus, group, cencode = 0)`` to ~1e-15: all events
    at a tied time are processed together, before censorings at that time. ``status`` 0 =
    censored, 1, 2, ... = causes. The variance is cmprsk's (Aalen), not survfit's
    infinitesimal-jackknife ``std.err`` (they differ by a few per cent).
    Curves are returned cause-major (all groups of cause 1 first), as cuminc orders them.
    ``cencode`` is the censoring code (R ``cuminc(cencode =)``); every other code is a cause.
    Times must be finite and >= 0, status whole numbers (ValueError naming the first bad
    index otherwise).
    """
    t, s, codes, levels, causes, n_codes, labels, span = prepare_competing_risks(
        time, status, group, causes, cencode)
    if uses_streams(t.size):
        stream = event_stream(t, s, codes, len(levels), n_codes, span)
        return relabel_curves(stream_cif_curves(stream, levels, causes), labels)
    if len(levels) * n_codes > DENSE_CELLS:
        return relabel_curves(cif_curves_per_group(t, s, codes, levels, causes, n_codes), labels)
    table = tied_time_table(t, s, codes, len(levels), n_codes)
    return relabel_curves(cif_curves(table, levels, causes), labels)


#: Above this many (group x status code) cells the curves are tabulated group by group: the
#: shared table is dense over all distinct times (cells x T), the per-group ones are O(n).
DENSE_CELLS = 48


def cif_curves_per_group(t: np.ndarray, s: np.ndarray, codes: np.ndarray, levels: list,
                         causes: list[int], n_codes: int) -> list[CIFCurve]:
    """As :func:`cif_curves`, each group tabulated over its own distinct times only."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(levels) + 1))
    per_group = []
    for g in range(len(levels)):
        rows = order[bounds[g]:bounds[g + 1]]
        table = tied_time_table(t[rows], s[rows], np.zeros(rows.size, np.int64), 1, n_codes)
        per_group.append(group_cif_curves(table, 0, levels[g], causes))
    return cause_major(per_group)


def prepare_competing_risks(time, status, group, causes, cencode: int = 0) -> tuple:
    """Validated (time, status, group codes, group levels, causes, number of status codes,
    cause labels, stream hint): the hint, what the compiled scan found for the stream (the
    time span, the sort keys; :class:`survival_stats.event_stream.StreamHint`), None when
    the scan did not run.

    Internally status 0 is censored and 1..K are causes. With ``cencode`` = 0 (cuminc's
    default) the codes are used as they are and must be whole numbers >= 0. With another
    ``cencode`` (R ``cuminc(cencode =)``) that code is censoring and every other code is a
    cause, numbered 1..K in sorted order internally; ``labels[k]`` is the original code of
    internal cause k, and ``causes`` is given (and returned) in internal numbering.
    """
    scanned = _scanned(time, status, group) if cencode == 0 else None
    if scanned is not None:
        t, s, per_code, codes, levels, span = scanned
        labels = list(range(per_code.size))
        return (*_with_causes(t, s, per_code, codes, levels, causes, labels), span)
    t = np.asarray(time)
    t = (t.astype(float) if t.dtype == object else t).ravel()
    check_times(t)
    raw = np.asarray(status).ravel()
    check_lengths(t.size, status=raw, group=group)
    if cencode == 0:
        s = as_codes(raw, None, "status", " (0 censored, 1, 2, ... causes)")
        labels = list(range(int(s.max()) + 1 if s.size else 1))
    else:
        codes_raw = as_codes(raw, "any", "status")
        others = np.unique(codes_raw[codes_raw != cencode])
        s = np.where(codes_raw == cencode, 0, np.searchsorted(others, codes_raw) + 1)
        labels = [int(cencode), *others.tolist()]
        if causes is not None:
            unknown = [k for k in causes if k not in labels[1:]]
            causes = [labels.index(k) for k in causes if k in labels[1:]] + unknown
    per_code = np.bincount(s) if s.size else np.zeros(1, np.int64)
    codes, levels = group_codes(group, t.size)
    return (*_with_causes(t, s, per_code, codes, levels, causes, labels), None)


def _scanned(time, status, group) -> tuple | None:
    """(time, status, subjects per status code, group codes, levels, stream hint) of large
    (compiled path) float times with integer status and group codes, all valid, by one compiled pass
    (:func:`survival_stats._compiled_streams.scan_inputs`); None otherwise (then the checks
    of :func:`prepare_competing_risks` run and name the first bad value)."""
    if group is None:
        return None
    t, s, g = np.asarray(time), np.asarray(status), np.asarray(group)
    if t.ndim != 1 or s.shape != t.shape or g.shape != t.shape or not uses_streams(t.size) \
            or t.dtype != np.float64 or s.dtype.kind not in "iu" or g.dtype.kind not in "iu":
        return None
    from survival_stats import _compiled_streams

    s, g = s.astype(np.int64, copy=False), g.astype(np.int64, copy=False)
    ok, per_code, per_group, low, high, keys, base, cell_size = \
        _compiled_streams.scan_and_pack(t, s, g, PACKED_CELLS)
    if not ok:
        return None
    present = per_group > 0
    if present.all():
        codes = g
        hint = StreamHint((int(low), int(high)), keys, int(base), cell_size, per_group.size,
                          per_code.size)
    else:  # codes renumbered: the keys' cells are not the stream's
        codes = (np.cumsum(present) - 1)[g]
        hint = StreamHint((int(low), int(high)))
    return t, s, per_code, codes, np.flatnonzero(present).tolist(), hint


def _with_causes(t: np.ndarray, s: np.ndarray, per_code: np.ndarray, codes: np.ndarray,
                 levels: list, causes, labels: list[int]) -> tuple:
    """:func:`prepare_competing_risks`'s result from the validated arrays."""
    if causes is None:
        causes = (np.flatnonzero(per_code[1:]) + 1).tolist()
    if any(int(k) < 1 for k in causes):
        raise ValueError(f"causes must be positive status codes, not {list(causes)}")
    n_codes = max(per_code.size, max(causes, default=0) + 1)
    labels += list(range(len(labels), n_codes))
    return (t.astype(np.float64, copy=False), s.astype(np.int64, copy=False), codes, levels,
            [int(k) for k in causes], n_codes, labels)


def relabel_curves(curves: list[CIFCurve], labels: list[int]) -> list[CIFCurve]:
    """Curves with their cause given as the original status code (``cencode`` remapping)."""
    if labels == list(range(len(labels))):
        return curves
    return [dataclasses.replace(c, cause=int(labels[c.cause])) for c in curves]


def cause_major(per_group: list[list[CIFCurve]]) -> list[CIFCurve]:
    """Curves listed per group (each by cause) put cause-major, as cuminc orders them."""
    return [curves[k] for k in range(len(per_group[0]) if per_group else 0)
            for curves in per_group]


def cif_curves(table: TiedTimeTable, levels: list, causes: list[int]) -> list[CIFCurve]:
    """The CIF of each cause in each group of a tabulated sample (cause-major, as cuminc)."""
    per_group = [group_cif_curves(table, g, levels[g], causes) for g in range(len(levels))]
    return cause_major(per_group)


def group_cif_curves(table: TiedTimeTable, g: int, level: object,
                     causes: list[int]) -> list[CIFCurve]:
    """The CIF of each cause in group ``g`` of a tabulated sample (cmprsk's ``cinc``, see
    :func:`survival_stats._numpy_kernels.aalen_johansen`)."""
    from survival_stats import _numpy_kernels

    n_risk, d_all = table.n_risk[g], table.d_all[g]
    present = table.present[g]                      # the group's own distinct times
    own_time, own_risk = table.time[present], n_risk[present].astype(np.int64)
    jump_time, estimate, variance, n_jumps = _numpy_kernels.aalen_johansen(
        table.time, n_risk, d_all, table.counts[g][causes])
    curves = []
    for k, cause in enumerate(causes):
        jumps = slice(0, n_jumps[k])
        curves.append(CIFCurve(
            group=level, cause=int(cause), n=int(n_risk[0]) if n_risk.size else 0,
            time=jump_time[k, jumps], estimate=estimate[k, jumps], variance=variance[k, jumps],
            max_time=float(own_time[-1]) if own_time.size else float("nan"),
            risk_time=own_time, risk_n=own_risk))
    return curves


def stream_cif_curves(stream: EventStream, levels: list, causes: list[int]) -> list[CIFCurve]:
    """The CIF of each cause in each group (cause-major, as cuminc) with cmprsk's variance,
    the causes split over :func:`worker_threads` (:func:`cuminc_walks`)."""
    cif, _ = cuminc_walks(stream, None, causes, 0.0, worker_threads(stream.size))
    return curves_from_arrays(cif, stream, levels, causes)


def curves_from_arrays(cif: CifArrays, stream: EventStream, levels: list,
                       causes: list[int]) -> list[CIFCurve]:
    """The :class:`CIFCurve` of each cause x group (cause-major) from the walks' arrays."""
    nc = len(causes)
    curves = []
    for h, cause in enumerate(causes):
        for g in range(len(levels)):
            slot = g * nc + h
            lo = cif.jump_offsets[slot]
            jumps = slice(lo, lo + cif.n_jumps[slot])
            own = slice(cif.risk_offsets[g], cif.risk_offsets[g] + cif.n_times[g])
            own_time = cif.risk_time[own]
            curves.append(CIFCurve(
                group=levels[g], cause=int(cause), n=int(stream.group_size[g]),
                time=cif.jump_time[jumps], estimate=cif.estimate[jumps],
                variance=cif.variance[jumps],
                max_time=float(own_time[-1]) if own_time.size else float("nan"),
                risk_time=own_time, risk_n=cif.risk_n[own]))
    return curves
