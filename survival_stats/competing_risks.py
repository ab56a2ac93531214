"""One competing-risks analysis as R's ``cmprsk::cuminc``: the CIFs and Gray's tests together.

Gray (1988) Ann Stat 16:1141; Aalen & Johansen (1978) Scand J Stat 5:141. ``cuminc``
returns the curves of every group x cause and, with more than one group, Gray's test of each
cause; doing both here shares one tabulation of the sample (the sort) between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survival_stats.cumulative_incidence import (
    CIFCurve,
    cause_major,
    curves_from_arrays,
    group_cif_curves,
    prepare_competing_risks,
    relabel_curves,
)
from survival_stats.event_stream import (
    cuminc_walks,
    event_stream,
    stratum_streams,
    uses_streams,
)
from survival_stats.gray_test import (
    GrayTest,
    gray_from_pieces,
    gray_statistic,
    relabel_tests,
    stratum_tables,
)
from survival_stats.tied_time_table import tied_time_table, worker_threads


@dataclass(frozen=True)
class CompetingRisks:
    """The curves (cause-major, as ``cuminc``) and Gray's tests (empty with one group)."""

    curves: list[CIFCurve]
    tests: list[GrayTest]


def competing_risks(time, status, group=None, strata=None, causes=None,
                    rho: float = 0.0, cencode: int = 0) -> CompetingRisks:
    """CIF with cmprsk's variance for each cause and group, plus Gray's test per cause.

    Equals R ``cmprsk::cuminc(ftime, fstatus, group, strata, rho, cencode)``: curves as
    :func:`survival_stats.cumulative_incidence`, tests as :func:`survival_stats.gray_test`
    (strata enter the tests only, as in cuminc). From 100,000 subjects both read one
    time-ordered stream of the subjects (:mod:`survival_stats.event_stream`): one compiled
    walk computes the curves and the tests of a set of causes, the causes split over
    :func:`worker_threads`; below, numpy over one tied-time table.
    """
    t, s, codes, levels, causes, n_codes, labels, span = prepare_competing_risks(
        time, status, group, causes, cencode)
    n_groups = len(levels)
    if uses_streams(t.size):
        stream = event_stream(t, s, codes, n_groups, n_codes, span)
        streams = [stream] if strata is None or n_groups < 2 else stratum_streams(
            t, s, codes, n_groups, n_codes, np.asarray(strata), stream)
        cif, pieces = cuminc_walks(stream, streams if n_groups > 1 else None, causes, rho,
                                   worker_threads(t.size))
        curves = curves_from_arrays(cif, stream, levels, causes)
        tests = [gray_from_pieces(p, k, n_groups)
                 for k, p in zip(causes, pieces, strict=True)] if n_groups > 1 else []
        return CompetingRisks(relabel_curves(curves, labels), relabel_tests(tests, labels))
    table = tied_time_table(t, s, codes, n_groups, n_codes)
    tables = [table] if strata is None or n_groups < 2 else stratum_tables(
        t, s, codes, n_groups, n_codes, np.asarray(strata))
    tests = [gray_statistic(tables, k, rho) for k in causes] if n_groups > 1 else []
    curves = cause_major([group_cif_curves(table, g, levels[g], causes)
                          for g in range(n_groups)])
    return CompetingRisks(relabel_curves(curves, labels), relabel_tests(tests, labels))
