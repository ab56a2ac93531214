"""Characteristics-table tests (values computed with R 4.2.2 during development) and matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survival_stats.group_tests import (
    categorical_test,
    chi_square,
    fisher_exact,
    fisher_monte_carlo_p,
    kruskal_wallis,
    mann_whitney,
)
from survival_stats.matching import propensity_match


@pytest.mark.parametrize(("table", "p_r"), [
    ([[3, 1, 2], [1, 4, 0]], 0.1125541125541126),   # fisher.test r x c (network algorithm)
    ([[3, 1], [1, 4]], 0.2063492063492063),
])
def test_fisher_matches_r(table, p_r):
    assert fisher_exact(table).p == pytest.approx(p_r, rel=1e-9)


@pytest.mark.parametrize(("table", "p_r"), [
    # R fisher.test exact p (network algorithm) for tables beyond our enumeration limit
    ([[3, 1, 0, 2], [5, 2, 1, 0], [1, 4, 3, 2]], 0.1789491),
    ([[8, 5, 3], [2, 6, 9], [4, 4, 4], [1, 0, 7]], 0.02569095),
])
def test_fisher_monte_carlo_agrees_with_r_exact_within_its_error(table, p_r):
    p = fisher_monte_carlo_p(table)
    assert abs(p - p_r) < 4 * np.sqrt(p_r * (1 - p_r) / 100_000)
    assert fisher_monte_carlo_p(table) == p  # seeded: the report is reproducible


def test_fisher_monte_carlo_samples_tables_with_the_observed_margins():
    """Uniform tables given the margins: the mean simulated p of the observed table itself is
    R's rule (1 + #as extreme) / (B + 1); a table at the mode has p = 1, an extreme one
    the floor 1 / (B + 1)."""
    assert fisher_monte_carlo_p([[5, 5], [5, 5]], n_resamples=2_000) == 1.0
    floor = fisher_monte_carlo_p([[40, 0, 0], [0, 40, 0], [0, 0, 40]], n_resamples=2_000)
    assert floor == pytest.approx(1 / 2_001)


def test_chi_square_yates_only_on_2x2():
    r2 = chi_square([[10, 20], [30, 25]])        # R: X-squared = 2.7062 with Yates
    assert r2.statistic == pytest.approx(2.706155303030302, rel=1e-9)
    r3 = chi_square([[10, 20, 5], [30, 25, 9]])
    assert r3.p == pytest.approx(0.1734141345061224, rel=1e-8)
    assert r3.df == 2


def test_wilcoxon_exact_and_normal():
    exact = mann_whitney([1.5, 2.3, 3.1, 4.7], [2.2, 5.1, 6.3, 7.2, 8.8])
    assert exact.statistic == 3 and exact.p == pytest.approx(1 / 9, rel=1e-9)
    ties = mann_whitney([1, 2, 2, 3], [2, 5, 6, 7, 8])       # R: normal approx + correction
    assert ties.p == pytest.approx(0.06168916598092455, rel=1e-8)


def test_kruskal_matches_r():
    r = kruskal_wallis([1, 2, 2, 3], [2, 5, 6, 7, 8], [3, 3, 9])
    assert r.p == pytest.approx(0.08121855802744733, rel=1e-8) and r.df == 2


def test_categorical_test_picks_fisher_for_small_expected():
    assert categorical_test([[3, 1], [1, 4]]).test == "Fisher"
    assert categorical_test([[30, 20], [25, 40]]).test == "Chi-square"


def _cohort(n=400, seed=3):
    rng = np.random.default_rng(seed)
    age = rng.normal(55, 10, n)
    sex = rng.choice(["F", "M"], n)
    donor = rng.choice(["MUD", "MRD", "haplo"], n)
    lp = -3.0 + 0.04 * (age - 55) + 0.5 * (sex == "M")
    treat = rng.binomial(1, 1 / (1 + np.exp(-lp)))
    return pd.DataFrame({"treat": treat, "age": age, "sex": sex, "donor": donor})


def test_matching_is_one_to_one_without_replacement_and_improves_balance():
    d = _cohort()
    m = propensity_match(d, "treat", ["age", "sex", "donor"])
    assert m.n_pairs == len(m.pairs) <= m.n_treated
    assert m.pairs["treated_index"].is_unique and m.pairs["control_index"].is_unique
    assert (d.loc[m.pairs["treated_index"], "treat"] == 1).all()
    assert (d.loc[m.pairs["control_index"], "treat"] == 0).all()
    age = m.balance.set_index("variable").loc["age"]
    assert abs(age["smd_after"]) < abs(age["smd_before"])
    # SMD denominator: treated SD before matching (ATT, summary.matchit)
    sd_t = d.loc[d.treat == 1, "age"].std(ddof=1)
    before = (d.loc[d.treat == 1, "age"].mean() - d.loc[d.treat == 0, "age"].mean()) / sd_t
    assert age["smd_before"] == pytest.approx(before, rel=1e-12)


def test_exact_matching_and_caliper():
    d = _cohort()
    m = propensity_match(d, "treat", ["age", "sex"], exact=["donor"], caliper=0.05)
    assert (d.loc[m.pairs["treated_index"], "donor"].to_numpy()
            == d.loc[m.pairs["control_index"], "donor"].to_numpy()).all()
    assert (m.pairs["distance"] <= m.caliper_width).all()
    assert set(m.matched["pair_id"]) == set(range(m.n_pairs))
