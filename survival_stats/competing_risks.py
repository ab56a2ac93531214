"""One competing-risks analysis as R's ``cmprsk::cuminc``: the CIFs and Gray's tests together.

Gray (1988) Ann Stat 16:1141; Aalen & Johansen (1978) Scand J Stat 5:141. ``cuminc``
returns the curves of every group x cause and, with more than one group, Gray's test of each
cause; doing both here shares one tabulation of the sample (the sort) between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from survival_stats.cumulative_incidence import (
    CIFCurve,
    cause_major,
    group_cif_curves,
    prepare_competing_risks,
    relabel_curves,
)
from survival_stats.gray_test import GrayTest, gray_statistic, relabel_tests, stratum_tables
from survival_stats.tied_time_table import run_parallel, tied_time_table, worker_threads


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
    (strata enter the tests only, as in cuminc). The groups' curves and the causes' tests
    are independent given the tabulation and run in parallel (:func:`worker_threads`).
    """
    t, s, codes, levels, causes, n_codes, labels = prepare_competing_risks(
        time, status, group, causes, cencode)
    table = tied_time_table(t, s, codes, len(levels), n_codes)
    tables = [table] if strata is None or len(levels) < 2 else stratum_tables(
        t, s, codes, len(levels), n_codes, np.asarray(strata))
    tasks = [partial(gray_statistic, tables, k, rho) for k in causes] if len(levels) > 1 else []
    tasks += [partial(group_cif_curves, table, g, levels[g], causes) for g in range(len(levels))]
    results = run_parallel(tasks, worker_threads(t.size))
    tests, per_group = results[:len(tasks) - len(levels)], results[len(tasks) - len(levels):]
    return CompetingRisks(relabel_curves(cause_major(per_group), labels),
                          relabel_tests(tests, labels))
