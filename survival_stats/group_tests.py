"""Group comparisons for the characteristics table (Table 1), with R's conventions.

Mann-Whitney (Mann & Whitney 1947), Kruskal-Wallis (Kruskal & Wallis 1952), Pearson's
chi-square (Yates 1934 correction on 2x2 only) and Fisher's exact test (Fisher 1922;
r x c by full enumeration as Freeman & Halton 1951, Monte Carlo as R's
simulate.p.value beyond the enumeration limit). Must agree with R ``wilcox.test``,
``kruskal.test``, ``chisq.test`` and ``fisher.test``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from survival_stats._arrays import as_float


@dataclass(frozen=True)
class TestResult:
    """A two-sided test: name, statistic (None when the test has none), df, p."""

    test: str
    statistic: float | None
    df: float | None
    p: float


def mann_whitney(x, y) -> TestResult:
    """Two-sided Wilcoxon rank-sum / Mann-Whitney test; W = U of ``x``.

    Mann & Whitney (1947) Ann Math Stat 18:50. Agrees with R ``wilcox.test(x, y)``: exact p
    when both samples have < 50 values and there are no ties, else the normal approximation
    with tie-corrected variance and continuity correction. NaN values are dropped.
    """
    a = as_float(x)
    b = as_float(y)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    ties = np.unique(np.r_[a, b]).size < a.size + b.size
    exact = a.size < 50 and b.size < 50 and not ties
    res = stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True,
                             method="exact" if exact else "asymptotic")
    return TestResult("Mann-Whitney", float(res.statistic), None, float(min(res.pvalue, 1.0)))


def kruskal_wallis(*samples) -> TestResult:
    """Kruskal-Wallis rank-sum test (tie-corrected H, chi-square with k - 1 df).

    Kruskal & Wallis (1952) JASA 47:583. Agrees with R ``kruskal.test(list(...))``.
    """
    groups = [v[~np.isnan(v)] for v in (as_float(s) for s in samples)]
    groups = [g for g in groups if g.size]
    res = stats.kruskal(*groups)
    return TestResult("Kruskal-Wallis", float(res.statistic), float(len(groups) - 1),
                      float(res.pvalue))


def chi_square(table) -> TestResult:
    """Pearson's chi-square test of independence for an r x c table of counts.

    Pearson (1900); Yates (1934) correction |O - E| - min(0.5, |O - E|) on 2x2 tables only.
    Agrees with R ``chisq.test(table)`` (``correct = TRUE``).
    """
    tab = np.asarray(table, dtype=float)
    res = stats.chi2_contingency(tab, correction=tab.shape == (2, 2))
    return TestResult("Chi-square", float(res.statistic), float(res.dof), float(res.pvalue))


def _log_table_prob(tab: np.ndarray, const: float) -> float:
    return const - float(gammaln(tab + 1.0).sum())


def _tables_with_margins(rows: np.ndarray, cols: np.ndarray):
    """All non-negative integer tables with the given margins (column by column)."""
    if cols.size == 1:
        yield rows[:, None].copy()
        return
    first = cols[0]
    ranges = [range(0, int(min(r, first)) + 1) for r in rows[:-1]]
    for head in itertools.product(*ranges):
        last = first - sum(head)
        if last < 0 or last > rows[-1]:
            continue
        col = np.array([*head, last])
        for rest in _tables_with_margins(rows - col, cols[1:]):
            yield np.column_stack([col, rest])


def fisher_exact(table, max_tables: int = 2_000_000) -> TestResult:
    """Fisher's exact test, two-sided, for 2x2 and r x c tables.

    Fisher (1922); Freeman & Halton (1951) Biometrika 38:141. Agrees with R ``fisher.test``:
    p = sum of the probabilities of all tables with the observed margins that are no more
    likely than the observed one (relative tolerance 1e-7, as R). 2x2 tables use
    ``scipy.stats.fisher_exact`` (statistic = sample odds ratio; R reports the conditional
    MLE instead: a deliberate difference, the p-value is identical). r x c tables are
    enumerated exactly; when there are more than ``max_tables`` candidate tables a Monte
    Carlo p with 100000 samples is returned (:func:`fisher_monte_carlo_p`; R would use
    its network algorithm, or the same Monte Carlo with ``simulate.p.value = TRUE``).
    """
    tab = np.asarray(table, dtype=np.int64)
    tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
    if tab.shape[0] < 2 or tab.shape[1] < 2:
        return TestResult("Fisher", None, None, 1.0)
    if tab.shape == (2, 2):
        res = stats.fisher_exact(tab)
        return TestResult("Fisher", float(res.statistic), None, float(res.pvalue))
    if tab.shape[0] < tab.shape[1]:
        tab = tab.T
    rows, cols = tab.sum(axis=1), tab.sum(axis=0)
    n = int(tab.sum())
    const = float(gammaln(rows + 1.0).sum() + gammaln(cols + 1.0).sum() - gammaln(n + 1.0))
    n_candidates = math.prod(int(min(r, c)) + 1 for r in rows for c in cols[:-1])
    if n_candidates > max_tables:
        return TestResult("Fisher (Monte Carlo)", None, None, fisher_monte_carlo_p(tab))
    log_obs = _log_table_prob(tab, const)
    total = 0.0
    for cand in _tables_with_margins(rows, cols):
        lp = _log_table_prob(cand, const)
        if lp <= log_obs + np.log1p(1e-7):
            total += math.exp(lp)
    return TestResult("Fisher", None, None, float(min(total, 1.0)))


def fisher_monte_carlo_p(table, n_resamples: int = 100_000, seed: int = 20240601) -> float:
    """Monte Carlo p of Fisher's exact test for an r x c table, as R's
    ``fisher.test(..., simulate.p.value = TRUE, B = n_resamples)``.

    Hope (1968) JRSS B 30:582. Tables with the observed margins are drawn uniformly under
    independence, as R's ``r2dtable`` (Patefield 1981): row by row, each row's counts are a
    multivariate hypergeometric draw from the columns' remaining totals, drawn column by
    column as univariate hypergeometrics, all resamples at once. The statistic is
    -sum(log x_ij!) and p = (1 + #{simulated <= observed / (1 + 64 eps)}) / (B + 1), R's rule.
    """
    tab = np.asarray(table, dtype=np.int64)
    rng = np.random.default_rng(seed)
    col_left = np.broadcast_to(tab.sum(axis=0), (n_resamples, tab.shape[1])).copy()
    statistic = np.zeros(n_resamples)
    for i, row_total in enumerate(tab.sum(axis=1)):
        if i == tab.shape[0] - 1:
            row = col_left  # the last row takes what the columns have left
        else:
            row = np.zeros_like(col_left)
            draw_left = np.full(n_resamples, row_total)
            balls_after = col_left.sum(axis=1)
            for j in range(tab.shape[1]):
                balls_after = balls_after - col_left[:, j]
                if j == tab.shape[1] - 1:
                    row[:, j] = draw_left
                else:
                    row[:, j] = _hypergeometric(rng, col_left[:, j], balls_after, draw_left)
                draw_left = draw_left - row[:, j]
            col_left = col_left - row
        statistic -= gammaln(row + 1.0).sum(axis=1)
    observed = -float(gammaln(tab + 1.0).sum())
    as_extreme = int((statistic <= observed / (1.0 + 64.0 * np.finfo(float).eps)).sum())
    return (1.0 + as_extreme) / (n_resamples + 1.0)


def _hypergeometric(rng: np.random.Generator, good: np.ndarray, bad: np.ndarray,
                    draws: np.ndarray) -> np.ndarray:
    """Vectorised hypergeometric draws; numpy refuses zero-sized urns, which give 0."""
    out = np.zeros_like(draws)
    live = (draws > 0) & (good > 0)
    out[live] = rng.hypergeometric(good[live], bad[live], draws[live])
    return out


def categorical_test(table) -> TestResult:
    """Chi-square, or Fisher's exact test when any expected count is < 5 (Cochran 1954).

    Expected counts are row total x column total / n, as ``chisq.test(...)$expected``.
    """
    tab = np.asarray(table, dtype=float)
    tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
    if tab.shape[0] < 2 or tab.shape[1] < 2:
        return TestResult("none", None, None, float("nan"))
    expected = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / tab.sum()
    return fisher_exact(tab) if (expected < 5).any() else chi_square(tab)
