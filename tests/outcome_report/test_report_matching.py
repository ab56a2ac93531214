"""Pair matching: exact on the categorical variables, age within the caliper, 1:1 without
replacement, balance as survival_stats.balance_table (MatchIt summary)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome_report.matching import DEFAULT_DESIGN, MatchingDesign, match_arms
from outcome_report.synthetic import simulate_registry


def _pairs(patients, design=DEFAULT_DESIGN):
    bal, arms = match_arms(patients, design)
    p = patients.set_index("patient_key")
    wide = arms.pivot(index="pair_id", columns="arm", values="patient_key")
    return bal, arms, p.loc[wide["AZA/VEN"]].reset_index(), p.loc[wide["IC"]].reset_index()


def test_pairs_are_exact_within_caliper_and_without_replacement():
    patients, _, _ = simulate_registry(75, 480, 50, seed=11)
    design = MatchingDesign(age_caliper_years=4.0)
    bal, arms, t, c = _pairs(patients, design)
    assert len(t) == bal["n_pairs"].iloc[0] > 20
    assert arms["patient_key"].is_unique
    assert set(t["cohort"]) == {"azaven_rr"} and set(c["cohort"]) == {"ic_comparator"}
    for v in design.exact:
        assert (t[v].astype(str).to_numpy() == c[v].astype(str).to_numpy()).all(), v
    assert (np.abs(t["age_at_hsct"].to_numpy() - c["age_at_hsct"].to_numpy()) <= 4.0).all()
    after = bal.set_index("variable")["smd_after"]
    assert (after.drop(index=["distance (PS)", "age_at_hsct"]).abs() < 1e-12).all()


def test_a_pool_barely_larger_than_the_cohort_is_reported_as_such():
    patients, _, _ = simulate_registry(75, 79, 20, seed=12)
    bal, arms, _, _ = _pairs(patients)
    n_pairs = int(bal["n_pairs"].iloc[0])
    assert n_pairs < 75
    assert f"{75 - n_pairs} of 75 AZA/VEN patients have no IC patient" in bal["note"].iloc[0]


def test_no_ic_patient_no_pairs():
    patients, _, _ = simulate_registry(30, 0, 10, seed=13)
    bal, arms = match_arms(patients)
    assert arms.empty and bal["n_pairs"].iloc[0] == 0 and "no matching" in bal["note"].iloc[0]


def test_missing_matching_variable_is_dropped_and_counted():
    patients, _, _ = simulate_registry(40, 200, 10, seed=14)
    patients.loc[patients.index[:5], "donor_type"] = None
    bal, _ = match_arms(patients)
    assert bal["n_dropped_missing"].iloc[0] == 5
    assert isinstance(bal, pd.DataFrame)
