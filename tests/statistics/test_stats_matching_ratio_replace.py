"""k:1 matching, matching with replacement and Mahalanobis distance against R MatchIt 4.5.1.

Reference: ``tests/statistics/data/matchit_ratio_reference.json`` (``tools/r/
matchit_ratio_reference.R``) on MatchIt's ``lalonde`` (``lalonde.csv``): ``matchit(treat ~ age +
educ + race + married + nodegree + re74 + re75, method = "nearest", ratio = k, replace = ...,
distance = ...)``. PS runs pass the glm PS as ``distance = 2^30 * ps`` (this MatchIt build
truncates PS distances to integers; see ``test_stats_matching_matchit.py``); Mahalanobis runs
are ``distance = "mahalanobis"`` as a user calls it. Checked: every treated unit's set of
controls (match.matrix), MatchIt's weights for all 614 rows, and the weighted SMDs after
matching (``summary.matchit``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survival_stats.matching import (
    mahalanobis_pairs,
    matching_weights,
    nearest_neighbour_pairs,
    propensity_match,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "statistics" / "data"
COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
SMD_ROWS = {
    "distance (PS)": "distance", "age": "age", "educ": "educ", "re74": "re74", "re75": "re75",
    "married": "married", "nodegree": "nodegree",
    "race: hispan vs black": "racehispan", "race: white vs black": "racewhite",
}


def _need(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.fail(f"reference file missing: {path} (Rscript tools/r/matchit_ratio_reference.R)")
    return path


REF = json.loads(_need("matchit_ratio_reference.json").read_text())
NAMES = list(REF["configurations"])


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    d = pd.read_csv(_need("lalonde.csv"))
    assert (d["row"] == np.arange(1, len(d) + 1)).all()
    return d


def by_matrix(cfg: dict) -> bool:
    return cfg["match_matrix_vec_451"] is not None


def _kwargs(cfg: dict) -> dict:
    kw: dict = {"ratio": cfg["ratio"], "replace": cfg["replace"], "distance": cfg["distance"]}
    if cfg["exact"]:
        kw["exact"] = list(cfg["exact"])
    if cfg["caliper"] is not None:
        kw["caliper"] = cfg["caliper"]
    return kw


@pytest.fixture(scope="module")
def results(lalonde) -> dict:
    return {name: propensity_match(lalonde, "treat", COVARIATES, **_kwargs(cfg))
            for name, cfg in REF["configurations"].items()}


def _sets(pairs: pd.DataFrame, lalonde: pd.DataFrame) -> dict[int, set[int]]:
    rows = lalonde["row"].to_numpy()
    out: dict[int, set[int]] = {}
    for t, c in zip(pairs["treated_index"], pairs["control_index"], strict=True):
        out.setdefault(int(rows[t]), set()).add(int(rows[c]))
    return out


def test_reference_provenance(lalonde):
    assert REF["versions"]["MatchIt"] == "4.5.1"
    assert REF["n"] == len(lalonde) == 614
    assert {c["distance"] for c in REF["configurations"].values()} == {"glm", "mahalanobis"}
    assert any(c["replace"] for c in REF["configurations"].values())
    assert max(c["ratio"] for c in REF["configurations"].values()) == 3


def _ps_of_row() -> dict[int, float]:
    ps = json.loads(_need("matchit_reference.json").read_text())["configurations"]["plain"]
    return {k + 1: float(v) for k, v in enumerate(ps["distance"])}


def _canonical(sets: dict[int, set[int]], cfg: dict) -> dict:
    """Controls as given, or, for the distance-matrix references, as their PS values.

    MatchIt's matrix matcher takes the k nearest with ``std::partial_sort`` (not stable): of two
    controls with exactly the same PS (identical covariates) at the k-th place it may take
    either; we take the one nearer in PS-sorted data order (the PS matcher's rule).
    """
    if not by_matrix(cfg):
        return sets
    ps = _ps_of_row()
    return {t: sorted(ps[c] for c in cs) for t, cs in sets.items()}


@pytest.mark.parametrize("name", NAMES)
def test_matched_sets_equal_matchit(lalonde, results, name):
    """Each treated unit's controls are MatchIt's match.matrix row, as a set."""
    cfg = REF["configurations"][name]
    expected = {int(r[0]): {int(c) for c in r[1:] if c is not None}
                for r in cfg["match_matrix"]}
    expected = {t: cs for t, cs in expected.items() if cs}
    assert _canonical(_sets(results[name].pairs, lalonde), cfg) == _canonical(expected, cfg)
    assert results[name].n_pairs == sum(len(cs) for cs in expected.values())
    if not cfg["replace"]:  # round 1 = match.matrix's first column (with replacement MatchIt
        rows = lalonde["row"].to_numpy()  # orders a row by an unstable sort)
        first = results[name].pairs.groupby("treated_index", sort=False)["control_index"].first()
        assert {int(rows[t]): int(rows[c]) for t, c in first.items()} == {
            int(r[0]): int(r[1]) for r in cfg["match_matrix"] if r[1] is not None}


@pytest.mark.parametrize("name", NAMES)
def test_weights_equal_matchit(lalonde, results, name):
    cfg = REF["configurations"][name]
    res = results[name]
    weights = np.zeros(len(lalonde))
    weights[res.matched.index.to_numpy()] = res.matched["weights"].to_numpy()
    expected = np.asarray(cfg["weights"], float)
    treated = lalonde["treat"].to_numpy() == 1
    assert np.count_nonzero(weights[treated]) == cfg["nn_matched"]["treated"]
    assert np.count_nonzero(weights[~treated]) == cfg["nn_matched"]["control"]
    if by_matrix(cfg):  # PS twins are interchangeable (see _canonical): weight per PS value
        ps = pd.Series(_ps_of_row()).to_numpy()
        weights = pd.Series(weights).groupby(ps).sum().to_numpy()
        expected = pd.Series(expected).groupby(ps).sum().to_numpy()
    np.testing.assert_allclose(weights, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_weighted_smd_after_equals_summary_matchit(results, name, close):
    cfg = REF["configurations"][name]
    bal = results[name].balance.set_index("variable")
    assert ("distance (PS)" in bal.index) == (cfg["distance"] == "glm")
    # a PS passed as a distance matrix (replacement with ratio > 1) has no "distance" row
    assert ("distance" in cfg["smd_after"]) == (cfg["distance"] == "glm" and not by_matrix(cfg))
    rows = {k: v for k, v in SMD_ROWS.items() if v in cfg["smd_after"]}
    assert len(rows) >= len(SMD_ROWS) - 1
    for ours, theirs in rows.items():
        assert close(bal.loc[ours, "smd_after"], cfg["smd_after"][theirs], 1e-12, 1e-8), ours


@pytest.mark.parametrize("name", [n for n, c in REF["configurations"].items() if by_matrix(c)])
def test_matchit_451_repeats_one_control_with_replacement_and_ratio(name):
    """Why those references come from a distance matrix: MatchIt 4.5.1's PS matcher gives each
    treated unit its nearest control k times (fixed in 4.5.3, #159); the matrix matcher, on the
    same |ps_t - ps_c|, gives the k nearest, as we do (test_matched_sets_equal_matchit)."""
    cfg = REF["configurations"][name]
    assert cfg["ratio"] > 1 and cfg["replace"]
    for row in cfg["match_matrix_vec_451"]:
        controls = [c for c in row[1:] if c is not None]
        assert len(set(controls)) <= 1
    ps = _ps_of_row()  # the repeated control is the nearest (up to an exact PS twin)
    nearest = {r[0]: min(abs(ps[c] - ps[r[0]]) for c in r[1:] if c is not None)
               for r in cfg["match_matrix"] if r[1] is not None}
    assert nearest == {r[0]: abs(ps[r[1]] - ps[r[0]])
                       for r in cfg["match_matrix_vec_451"] if r[1] is not None}


def test_ratio_runs_out_of_controls_round_by_round(lalonde, results):
    """429 controls for 185 treated at 3:1: every treated unit gets 2, the third round ends."""
    res = results["glm_ratio3_runs_out"]
    per_unit = res.pairs.groupby("treated_index").size()
    assert len(per_unit) == 185 and per_unit.min() == 2 and per_unit.max() == 3
    assert res.n_pairs == int((lalonde["treat"] == 0).sum())
    assert not res.pairs["control_index"].duplicated().any()


def test_replacement_reuses_controls_and_keeps_weights_summing_to_matched_controls(results):
    res = results["glm_replace_ratio3"]
    assert res.pairs["control_index"].duplicated().any()
    controls = res.matched[res.matched["pair_id"] == -1]
    assert controls["weights"].sum() == pytest.approx(len(controls), rel=1e-13)


def test_toy_ratio_rounds_and_replacement():
    """Rounds: the first treated unit (largest PS) does not take both near controls at once."""
    ps = np.array([0.875, 0.75, 0.8125, 0.6875, 0.125])  # exact in binary: no rounding ties
    treated = np.array([1, 1, 0, 0, 0])
    # round 1: t0 -> 0.8125, t1 -> 0.6875 (0.8125 taken); round 2: t0 -> 0.125, t1 gets none
    assert nearest_neighbour_pairs(ps, treated, ratio=2) == [
        (0, 2, 0.0625), (1, 3, 0.0625), (0, 4, 0.75)]
    with_rep = nearest_neighbour_pairs(ps, treated, ratio=2, replace=True)
    # t1 is 0.0625 from both: the lower PS first; t0's second is 0.6875 (0.1875 away)
    assert [(i, j) for i, j, _ in with_rep] == [(0, 2), (1, 3), (0, 3), (1, 2)]
    w = matching_weights(with_rep, treated)
    np.testing.assert_allclose(w, [1, 1, 1, 1, 0])
    # a caliper stops the walk outwards: 0.125 is beyond 0.25 of 0.875
    capped = nearest_neighbour_pairs(ps, treated, caliper_width=0.25, ratio=2)
    assert [(i, j) for i, j, _ in capped] == [(0, 2), (1, 3)]
    w = matching_weights([(0, 2, 0.0), (0, 3, 0.0), (1, 3, 0.0)], treated)
    # control 3 serves t0 (1/2) and t1 (1), control 2 t0 (1/2): 2 matched controls, sum 2
    np.testing.assert_allclose(w, [1, 1, 0.5 * 2 / 2, 1.5 * 2 / 2, 0])
    with pytest.raises(ValueError, match="ratio"):
        nearest_neighbour_pairs(ps, treated, ratio=0)


def test_toy_mahalanobis_ties_in_data_order_and_weights():
    Z = np.array([[0.0], [1.0], [-1.0], [3.0]])
    treated = np.array([1, 0, 0, 0])
    # equal distance 1 to rows 1 and 2: the first in data order (which_min)
    assert mahalanobis_pairs(Z, treated) == [(0, 1, 1.0)]
    assert mahalanobis_pairs(Z, treated, ratio=2) == [(0, 1, 1.0), (0, 2, 1.0)]
    pairs = mahalanobis_pairs(np.array([[0.0], [0.2], [1.0], [5.0]]), np.array([1, 1, 0, 0]),
                              ratio=1, replace=True)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2), (1, 2)]
    np.testing.assert_allclose(matching_weights(pairs, np.array([1, 1, 0, 0])), [1, 1, 1, 0])


def test_mahalanobis_rejects_a_caliper(lalonde):
    with pytest.raises(ValueError, match="caliper"):
        propensity_match(lalonde, "treat", COVARIATES, distance="mahalanobis", caliper=0.1)
    with pytest.raises(ValueError, match="distance"):
        propensity_match(lalonde, "treat", COVARIATES, distance="euclid")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=2, max_size=40),
       st.integers(1, 4))
def test_with_replacement_each_treated_unit_gets_its_k_nearest(units, k):
    """Brute force: with replacement the k controls are the k smallest |ps_t - ps_c| (PS on a
    1/64 grid, so distances are exact), and MatchIt's control weights sum to their number."""
    ps = np.array([u[0] / 64.0 for u in units])
    treated = np.array([u[1] for u in units])
    pairs = nearest_neighbour_pairs(ps, treated, ratio=k, replace=True)
    controls = np.flatnonzero(~treated)
    for i in np.flatnonzero(treated):
        got = sorted(abs(ps[i] - ps[j]) for t, j, _ in pairs if t == i)
        assert got == sorted(np.abs(ps[controls] - ps[i]))[:k]
    w = matching_weights(pairs, treated)
    if pairs:
        assert w[~treated].sum() == pytest.approx(np.count_nonzero(w[~treated]), rel=1e-12)
        assert set(w[treated]) <= {0.0, 1.0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=2, max_size=40),
       st.integers(1, 4))
def test_without_replacement_controls_are_used_once_round_by_round(units, k):
    ps = np.array([u[0] / 64.0 for u in units])
    treated = np.array([u[1] for u in units])
    pairs = nearest_neighbour_pairs(ps, treated, ratio=k)
    used = [j for _, j, _ in pairs]
    assert len(used) == len(set(used)) == min(int((~treated).sum()), k * int(treated.sum()))
    per_unit = pd.Series([i for i, _, _ in pairs]).value_counts()
    # rounds: one control per treated unit and round, so matched units differ by at most one
    assert per_unit.empty or per_unit.max() - per_unit.min() <= 1
