"""Cumulative incidence, Gray's test and Fine-Gray against cmprsk on survival::mgus2."""

from __future__ import annotations

import numpy as np
import pytest

from survival_stats.cumulative_incidence import cumulative_incidence
from survival_stats.fine_gray import fine_gray, fine_gray_model
from survival_stats.gray_test import gray_test
from survival_stats.kaplan_meier import kaplan_meier

ABS = 1e-12


@pytest.fixture(scope="module")
def cif(mgus2):
    return {(c.group, c.cause): c for c in cumulative_incidence(mgus2["etime"], mgus2["event"],
                                                                mgus2["sex"])}


def test_cif_at_times_matches_timepoints(cif, mgus2_ref, close):
    for row in mgus2_ref["cuminc"]["cif"]:
        at = cif[(row["group"], row["cause"])].at([row["time"]])
        assert close(at["estimate"], row["estimate"], ABS)
        assert close(at["variance"], row["variance"], ABS)
        assert close(at["se"], row["se"], ABS)


def test_cif_full_step_functions_match_cuminc(cif, mgus2_curves, close):
    for (group, cause), ref in mgus2_curves.groupby(["group", "cause"]):
        t, f, v = cif[(group, int(cause))].cmprsk_points()
        assert close(t, ref["time"], ABS)
        assert close(f, ref["est"], ABS)
        assert close(v, ref["var"], ABS)


def test_gray_test_matches_cuminc_tests(mgus2, mgus2_ref, close):
    tests = {t.cause: t for t in gray_test(mgus2["etime"], mgus2["event"], mgus2["sex"])}
    for row in mgus2_ref["cuminc"]["gray_test"]:
        t = tests[row["cause"]]
        assert t.df == row["df"]
        assert close(t.statistic, row["statistic"], rel_tol=1e-9)
        assert close(t.p, row["p"], rel_tol=1e-9)


def test_aalen_johansen_matches_survfit_multistate(mgus2, mgus2_ref, cif, close):
    """Point estimates and n.risk equal survfit's AJ; the event-free state is the KM."""
    km = {c.group: c for c in kaplan_meier(mgus2["etime"], (mgus2["event"] > 0).astype(int),
                                           mgus2["sex"])}
    state_cause = {"pcm": 1, "death": 2}
    for row in mgus2_ref["survfit_aj"]["rows"]:
        if row["state"] == "(s0)":
            at = km[row["group"]].at([row["time"]])
            assert close(at["surv"], row["pstate"], ABS)
            assert at["n_risk"][0] == row["n_risk"]
        else:
            at = cif[(row["group"], state_cause[row["state"]])].at([row["time"]])
            assert close(at["estimate"], row["pstate"], ABS)
            assert at["n_risk"][0] == row["n_risk"]


def test_cmprsk_variance_deliberately_differs_from_survfit_std_err(mgus2_ref, cif):
    """We report cmprsk's Aalen variance, not survfit's infinitesimal-jackknife std.err."""
    state_cause = {"pcm": 1, "death": 2}
    ratios = []
    for row in mgus2_ref["survfit_aj"]["rows"]:
        if row["state"] in state_cause:
            se = cif[(row["group"], state_cause[row["state"]])].at([row["time"]])["se"][0]
            ratios.append(se / row["std_err"])
    ratios = np.array(ratios)
    # cmprsk's SE is larger everywhere here, by up to ~10 % in the far tail.
    assert np.all(ratios > 1.0) and ratios.max() > 1.05


@pytest.mark.parametrize(("key", "failcode"), [("fine_gray_pcm", 1), ("fine_gray_death", 2)])
def test_fine_gray_matches_crr(mgus2, mgus2_ref, close, key, failcode):
    ref = mgus2_ref[key]
    res = fine_gray(mgus2["etime"], mgus2["event"], mgus2[["sexM", "age"]].to_numpy(),
                    failcode=failcode, names=["sexM", "age"])
    assert res.converged == ref["converged"]
    for term, row in zip(res.terms, ref["coefficients"], strict=True):
        assert term.term == row["term"]
        assert close(term.coef, row["coef"], rel_tol=1e-6)
        assert close(term.se, row["se"], rel_tol=1e-6)
        assert close(term.z, row["z"], rel_tol=1e-6)
        assert close(term.p, row["p"], rel_tol=1e-6)
        if "shr" in row:
            assert close(term.hr, row["shr"], rel_tol=1e-6)
            assert close(term.lower, row["shr_lower95"], rel_tol=1e-6)
            assert close(term.upper, row["shr_upper95"], rel_tol=1e-6)
    if "loglik" in ref:
        assert res.n == ref["n"]
        assert close(res.loglik, ref["loglik"], rel_tol=1e-9)
        assert close(res.loglik_null, ref["loglik_null"], rel_tol=1e-9)


def test_fine_gray_model_from_frame_codes_sex_like_r(mgus2, mgus2_ref, close):
    res = fine_gray_model(mgus2, "etime", "event", ["sex", "age"], cause=1)
    ref = mgus2_ref["fine_gray_pcm"]["coefficients"]
    assert [t.term for t in res.terms] == [r["term"] for r in ref]
    assert res.terms[0].level == "M vs F"
    assert close([t.coef for t in res.terms], [r["coef"] for r in ref], rel_tol=1e-6)
    assert set(res.table().columns) >= {"variable", "level", "hr", "lower", "upper", "p"}
