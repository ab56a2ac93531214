"""Gray's K-sample test for equality of cumulative incidence functions (rho = 0 by default).

Gray (1988) Ann Stat 16:1141. A port of cmprsk's Fortran ``crstm``/``crst``: vectorised over
a tied-time table below 100,000 subjects (:mod:`survival_stats._numpy_kernels`), compiled
over the time-ordered subjects from there (:mod:`survival_stats._compiled_streams`); must
agree with R ``cmprsk::cuminc(...)$Tests``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import chi2_sf, group_codes, quadratic_statistic
from survival_stats.cumulative_incidence import prepare_competing_risks
from survival_stats.event_stream import cuminc_walks, stratum_streams, uses_streams
from survival_stats.tied_time_table import TiedTimeTable, tied_time_table, worker_threads


@dataclass(frozen=True)
class GrayTest:
    """Gray's test for one cause: chi-square statistic with groups - 1 df."""

    cause: int
    statistic: float
    df: int
    p: float
    score: np.ndarray
    variance: np.ndarray


def gray_statistics(tables: list[TiedTimeTable], causes: list[int],
                    rho: float = 0.0) -> list[GrayTest]:
    """Gray's test of each cause from per-stratum tabulations."""
    return [gray_statistic(tables, k, rho) for k in causes]


def gray_statistic(tables: list[TiedTimeTable], cause: int, rho: float = 0.0) -> GrayTest:
    """Gray's test of one cause from per-stratum tabulations (cmprsk ``crst`` per stratum,
    :func:`survival_stats._numpy_kernels.gray_score_variance`)."""
    from survival_stats import _numpy_kernels

    ng = tables[0].counts.shape[0] if tables else 0
    pieces = [_numpy_kernels.gray_score_variance(table.n_risk, table.counts, table.d_all,
                                                 int(cause), float(rho))
              for table in tables] if ng > 1 else []
    return gray_from_pieces(pieces, int(cause), ng)


def gray_from_pieces(pieces: list[tuple[np.ndarray, ...]], cause: int, ng: int) -> GrayTest:
    """Gray's test of one cause from crst's (score, v, v2, v3, c) of each stratum: the scores
    and variances of the strata add up (cmprsk ``crstm``), the covariance of a stratum being
    v + (c v3) c' + c v2' + v2 c'; statistic s' V^-1 s on groups - 1 df."""
    m = max(ng - 1, 0)
    score = np.zeros(m)
    var = np.zeros((m, m))
    scale = 0.0  # magnitude of the summed pieces, for the degenerate-variance rule
    for sc, v, v2, v3, c in pieces:
        score += sc
        cvc, cv2 = (c * v3) @ c.T, c @ v2.T
        var += v + cvc + cv2 + cv2.T
        scale += float(np.abs(v).max() + np.abs(cvc).max() + 2.0 * np.abs(cv2).max())
    # a variance that is rounding noise relative to its pieces (a one-subject group) has
    # no test: NaN, as a singular one (R would report the noise's statistic, or -1)
    stat = quadratic_statistic(score, var, scale) if ng > 1 else float("nan")
    df = ng - 1
    p = chi2_sf(stat, df)
    return GrayTest(int(cause), stat, df, p, score, var)


def stratum_tables(t: np.ndarray, s: np.ndarray, codes: np.ndarray, n_groups: int,
                   n_codes: int, strata) -> list[TiedTimeTable]:
    """One tabulation per stratum (a single one without strata)."""
    st_codes, st_levels = group_codes(strata, t.size, "strata")
    if st_codes.size != t.size:
        raise ValueError(f"strata has {st_codes.size} values for {t.size} subjects")
    if len(st_levels) == 1:
        return [tied_time_table(t, s, codes, n_groups, n_codes)]
    return [tied_time_table(t[sel], s[sel], codes[sel], n_groups, n_codes)
            for sel in (st_codes == h for h in range(len(st_levels)))]


def gray_test(time, status, group, cause: int | None = None, strata=None,
              rho: float = 0.0, cencode: int = 0) -> list[GrayTest]:
    """Gray's test comparing the CIF of each cause (or one ``cause``) across groups.

    Gray (1988) Ann Stat 16:1141. Agrees with R ``cmprsk::cuminc(ftime, fstatus, group,
    strata, rho)$Tests`` (statistic s' V^-1 s, df = groups - 1, p from chi-square).
    Deliberate differences: p uses the upper-tail ``chi2.sf`` (R: ``1 - pchisq``, which
    loses precision below ~1e-16) and a singular variance gives NaN (R reports stat -1).
    """
    if group is None:
        raise ValueError("Gray's test needs a group")
    t, s, codes, levels, causes, n_codes, labels, span = prepare_competing_risks(
        time, status, np.asarray(group), [cause] if cause is not None else None, cencode)
    if uses_streams(t.size):
        streams = stratum_streams(t, s, codes, len(levels), n_codes, strata, hint=span)
        _, pieces = cuminc_walks(None, streams, causes, rho, worker_threads(t.size))
        tests = [gray_from_pieces(p, k, len(levels))
                 for k, p in zip(causes, pieces, strict=True)]
        return relabel_tests(tests, labels)
    tables = stratum_tables(t, s, codes, len(levels), n_codes, strata)
    return relabel_tests(gray_statistics(tables, causes, rho), labels)


def relabel_tests(tests: list[GrayTest], labels: list[int]) -> list[GrayTest]:
    """Tests with their cause given as the original status code (``cencode`` remapping)."""
    return [dataclasses.replace(t, cause=int(labels[t.cause])) for t in tests]
