"""propensity_match against R MatchIt 4.5.1 on MatchIt's ``lalonde`` (614 rows, 185 treated).

Reference: ``tests/statistics/data/matchit_reference.json`` and ``lalonde.csv``, written by
``tools/r/matchit_reference.R`` (R 4.2.2, MatchIt 4.5.1): ``matchit(treat ~ age + educ + race +
married + nodegree + re74 + re75, method = "nearest", distance = "glm", replace = FALSE,
ratio = 1)`` plain, with ``caliper = 0.1``, ``exact = ~ married``, and ``exact = ~ race`` with
``caliper = 0.2`` (``std.caliper = TRUE``). The expected pairs are MatchIt's with the same PS
passed as ``distance = 2^30 * ps``: this MatchIt build truncates distances to integers (see
``test_matchit_451_build_truncates_distances`` and the module docstring of
``survival_stats.matching``); ``pairs_glm`` keeps what ``distance = "glm"`` returned.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survival_stats.cox import design_matrix
from survival_stats.matching import (
    balance_table,
    logistic_propensity,
    nearest_neighbour_pairs,
    propensity_match,
)

# As conftest.REPO_ROOT (not imported: `from conftest import` depends on collection order)
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "statistics" / "data"
COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
CONFIGS = ["plain", "caliper_0.1", "exact_married", "exact_race_caliper_0.2"]
# our balance-table label -> summary.matchit row (race: non-reference levels only, ref "black")
SMD_ROWS = {
    "distance (PS)": "distance", "age": "age", "educ": "educ", "re74": "re74", "re75": "re75",
    "married": "married", "nodegree": "nodegree",
    "race: hispan vs black": "racehispan", "race: white vs black": "racewhite",
}


def _need(name: str):
    path = DATA / name
    if not path.exists():
        pytest.fail(f"reference file missing: {path} (Rscript tools/r/matchit_reference.R)")
    return path


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    d = pd.read_csv(_need("lalonde.csv"))
    assert (d["row"] == np.arange(1, len(d) + 1)).all()
    return d


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads(_need("matchit_reference.json").read_text())


def _kwargs(cfg: dict) -> dict:
    kw: dict = {}
    if cfg["exact"]:
        kw["exact"] = list(cfg["exact"])
    if "caliper" in cfg["options"]:
        assert cfg["options"]["std.caliper"] is True
        kw["caliper"] = cfg["options"]["caliper"]
    return kw


@pytest.fixture(scope="module")
def results(lalonde, ref) -> dict:
    return {name: propensity_match(lalonde, "treat", COVARIATES,
                                   **_kwargs(ref["configurations"][name]))
            for name in CONFIGS}


def _rows(df: pd.DataFrame, index) -> list[int]:
    return df.loc[list(index), "row"].astype(int).tolist()


def _pairs(res, lalonde) -> dict[int, int]:
    """treated row -> control row (1-based lalonde rows, as match.matrix)."""
    return dict(zip(_rows(lalonde, res.pairs["treated_index"]),
                    _rows(lalonde, res.pairs["control_index"]), strict=True))


def test_reference_provenance(ref, lalonde):
    assert ref["versions"]["MatchIt"] == "4.5.1"
    assert ref["n"] == len(lalonde) == 614
    assert int(lalonde["treat"].sum()) == 185
    assert set(ref["configurations"]) == set(CONFIGS)


@pytest.mark.parametrize("reference", [None, {"race": "white"}, {"race": "hispan"}])
def test_propensity_scores_equal_matchit(ref, lalonde, reference):
    """PS = glm fitted values to 1e-8 relative (in fact ~1e-12), whatever the race reference."""
    X, _ = design_matrix(lalonde, COVARIATES, reference)
    ps = logistic_propensity(X.to_numpy(dtype=float), lalonde["treat"].to_numpy())
    for name in CONFIGS:
        expected = np.asarray(ref["configurations"][name]["distance"], dtype=float)
        assert expected.shape == (614,)
        np.testing.assert_allclose(ps, expected, rtol=1e-8, atol=0)


@pytest.mark.parametrize("name", CONFIGS)
def test_caliper_width_equals_matchit(ref, results, name):
    cfg = ref["configurations"][name]
    if cfg["caliper_width"] is None:
        assert results[name].caliper_width is None
    else:  # caliper x sd(PS) over all 614 units, also with exact matching
        assert results[name].caliper_width == pytest.approx(cfg["caliper_width"], rel=1e-8)
        assert cfg["caliper_width_rescaled"] == pytest.approx(cfg["caliper_width"], rel=1e-14)


@pytest.mark.parametrize("name", CONFIGS)
def test_matched_pairs_equal_matchit(ref, lalonde, results, name):
    cfg = ref["configurations"][name]
    res = results[name]
    expected = {int(t): int(c) for t, c in cfg["pairs"]}
    assert _pairs(res, lalonde) == expected
    assert res.n_pairs == len(res.pairs) == cfg["n_pairs"] == cfg["nn_matched"]["treated"]
    unmatched = sorted(set(lalonde.loc[lalonde["treat"] == 1, "row"]) - set(expected))
    assert unmatched == sorted(cfg["unmatched_treated"])
    if cfg["caliper_width"] is not None:
        assert (res.pairs["distance"] <= res.caliper_width).all()
    for var in cfg["exact"]:
        t = lalonde.loc[res.pairs["treated_index"], var].to_numpy()
        assert (t == lalonde.loc[res.pairs["control_index"], var].to_numpy()).all()


@pytest.mark.parametrize("name", CONFIGS)
def test_smd_before_and_after_equal_summary_matchit(ref, results, name, close):
    cfg = ref["configurations"][name]
    bal = results[name].balance.set_index("variable")
    for ours, theirs in SMD_ROWS.items():
        assert close(bal.loc[ours, "smd_before"], cfg["smd_before"][theirs], 1e-12, 1e-8), ours
        assert close(bal.loc[ours, "smd_after"], cfg["smd_after"][theirs], 1e-12, 1e-8), ours
        if theirs != "distance":  # the rescaled run's distance means are on the 2^30 scale
            means = cfg["means_after"][theirs]
            assert close(bal.loc[ours, "mean_treated_after"], means["treated"], 1e-12, 1e-10)
            assert close(bal.loc[ours, "mean_control_after"], means["control"], 1e-12, 1e-10)
    if "married" in cfg["exact"]:  # |mean difference| <= sqrt(eps): raw difference, i.e. 0
        assert bal.loc["married", "smd_after"] == cfg["smd_after"]["married"] == 0


@pytest.mark.parametrize("name", CONFIGS)
def test_balance_table_on_matchit_glm_pairs(ref, lalonde, results, name, close):
    """balance_table alone, on the matched set MatchIt returned for distance = "glm"."""
    cfg = ref["configurations"][name]
    X, info = design_matrix(lalonde, COVARIATES)
    Xb = X.rename(columns={t: (f"{v}: {lv}" if lv else v) for t, v, lv in info})
    Xb.insert(0, "distance (PS)", np.asarray(cfg["distance"], dtype=float))
    binary = [False] + [bool(lv) or set(np.unique(X[t])) <= {0.0, 1.0} for t, _, lv in info]
    mask = lalonde["row"].isin([r for pair in cfg["pairs_glm"] for r in pair]).to_numpy()
    bal = balance_table(Xb, lalonde["treat"].to_numpy(), mask, binary).set_index("variable")
    for ours, theirs in SMD_ROWS.items():
        assert close(bal.loc[ours, "smd_before"], cfg["smd_before_glm"][theirs], 1e-12, 1e-8)
        assert close(bal.loc[ours, "smd_after"], cfg["smd_after_glm"][theirs], 1e-12, 1e-8)


def _nn_matchc_vec(ps, treat, strata, width, dist):
    """MatchIt 4.5.1 ``nn_matchC_vec`` for ratio 1 without replacement, with ``dist`` for |.|.

    Per stratum: units sorted by PS (stable); treated in decreasing PS; nearest free control
    below and above (stop at the first free one outside the caliper); the one below on ties.
    """
    out = {}
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        srt = idx[np.argsort(ps[idx], kind="stable")]
        free = treat[srt] == 0
        pos = {u: k for k, u in enumerate(srt)}
        tr = idx[treat[idx] == 1]
        for i in tr[np.argsort(-ps[tr], kind="stable")]:
            k, side = pos[i], {}
            for step in (-1, 1):
                j = k + step
                while 0 <= j < srt.size and not free[j]:
                    j += step
                if 0 <= j < srt.size and (width is None or dist(ps[i] - ps[srt[j]]) <= width):
                    side[step] = j
            if not side:
                continue
            j = side.get(-1, side.get(1))
            if len(side) == 2 and dist(ps[srt[side[-1]]] - ps[i]) > dist(
                    ps[srt[side[1]]] - ps[i]):
                j = side[1]
            free[j] = False
            out[int(i) + 1] = int(srt[j]) + 1
    return out


@pytest.mark.parametrize("name", CONFIGS)
def test_matchit_451_build_truncates_distances(ref, lalonde, name):
    """Why ``distance = "glm"`` pairs differ: MatchIt 4.5.1 (Debian build) uses C ``abs(int)``.

    The rule above with |d| truncated to an integer reproduces matchit()'s glm pairs exactly
    (the caliper then never binds: 185 pairs with caliper 0.1); with real |d| it gives the
    rescaled-run pairs and nearest_neighbour_pairs.
    """
    cfg = ref["configurations"][name]
    ps = np.asarray(cfg["distance"], dtype=float)
    treat = lalonde["treat"].to_numpy()
    strata = (pd.factorize(lalonde[cfg["exact"]].astype(str).agg("|".join, axis=1))[0]
              if cfg["exact"] else np.zeros(len(ps), int))
    width = cfg["caliper_width"]
    truncated = _nn_matchc_vec(ps, treat, strata, width, lambda x: abs(math.trunc(x)))
    assert truncated == {int(t): int(c) for t, c in cfg["pairs_glm"]}
    real = _nn_matchc_vec(ps, treat, strata, width, abs)
    assert real == {int(t): int(c) for t, c in cfg["pairs"]}
    ours = nearest_neighbour_pairs(ps, treat, strata, width)
    assert {i + 1: j + 1 for i, j, _ in ours} == real


def test_ties_go_to_the_lower_ps_and_sorted_neighbours():
    """MatchIt >= 4.5.1 tie rule on exactly representable PS values."""
    ps = np.array([0.5, 0.25, 0.75, 0.5, 0.25])
    treated = np.array([1, 0, 0, 0, 0])
    # distance 0.25 below and above: the lower PS wins; of the two at 0.25, the one sorted
    # next to the treated unit (later in data order). Unit 3 (PS 0.5, after unit 0) is nearer.
    assert nearest_neighbour_pairs(ps, treated) == [(0, 3, 0.0)]
    assert nearest_neighbour_pairs(ps[[0, 1, 2, 4]], treated[[0, 1, 2, 4]]) == [(0, 3, 0.25)]
    # equal PS before the treated unit in data order lies below it: taken before one above
    assert nearest_neighbour_pairs(np.array([0.5, 0.5, 0.5]), np.array([0, 1, 0]))[0][1] == 0
    # caliper: a control exactly at the width is eligible, beyond it is not (MatchIt: `>`)
    assert nearest_neighbour_pairs(ps[:3], treated[:3], caliper_width=0.25) == [(0, 1, 0.25)]
    assert nearest_neighbour_pairs(ps[:3], treated[:3], caliper_width=0.125) == []
