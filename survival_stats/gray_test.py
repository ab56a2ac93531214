"""Gray's K-sample test for equality of cumulative incidence functions (rho = 0 by default).

Gray (1988) Ann Stat 16:1141. A port of cmprsk's Fortran ``crstm``/``crst`` (the loop over
failure times is compiled, see :mod:`survival_stats._compiled`); must agree with R
``cmprsk::cuminc(...)$Tests``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import chi2_sf, group_codes, quadratic_statistic
from survival_stats.cumulative_incidence import prepare_competing_risks
from survival_stats.tied_time_table import TiedTimeTable, tied_time_table


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
    """Gray's test of one cause from per-stratum tabulations: the scores and variances of the
    strata add up (cmprsk ``crstm``); statistic s' V^-1 s on groups - 1 df."""
    ng = tables[0].counts.shape[0] if tables else 0
    score = np.zeros(max(ng - 1, 0))
    var = np.zeros((max(ng - 1, 0), max(ng - 1, 0)))
    scale = 0.0  # magnitude of the summed pieces, for the degenerate-variance rule
    if ng > 1:
        for table in tables:
            sc, v, v2, v3, c = gray_kernel(table).gray_score_variance(
                table.n_risk, table.counts, table.d_all, int(cause), float(rho))
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


def subjects(table: TiedTimeTable) -> int:
    """The number of subjects of a tabulated sample."""
    return int(table.n_risk[:, 0].sum()) if table.n_risk.size else 0


def gray_kernel(table: TiedTimeTable):
    """The kernels' module for a table: numpy below ``COMPILED_FROM`` subjects, else numba."""
    from survival_stats import _numpy_kernels

    if subjects(table) < _numpy_kernels.COMPILED_FROM:
        return _numpy_kernels
    from survival_stats import _compiled  # numba: imported on first use only

    return _compiled


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
    t, s, codes, levels, causes, n_codes, labels = prepare_competing_risks(
        time, status, np.asarray(group), [cause] if cause is not None else None, cencode)
    tables = stratum_tables(t, s, codes, len(levels), n_codes, strata)
    return relabel_tests(gray_statistics(tables, causes, rho), labels)


def relabel_tests(tests: list[GrayTest], labels: list[int]) -> list[GrayTest]:
    """Tests with their cause given as the original status code (``cencode`` remapping)."""
    return [dataclasses.replace(t, cause=int(labels[t.cause])) for t in tests]
