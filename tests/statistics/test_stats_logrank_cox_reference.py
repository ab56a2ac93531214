"""Log-rank (survdiff) and Cox PH (coxph, Efron) against R on survival::lung."""

from __future__ import annotations

import numpy as np

from survival_stats.cox import (
    cause_specific_cox,
    cox_ph,
    multivariable_model,
    univariate_screen,
)
from survival_stats.logrank import logrank_test, logrank_trend_test

REL = 1e-6


def test_logrank_matches_survdiff(lung, lung_ref, close):
    ref = lung_ref["logrank_sex"]
    res = logrank_test(lung["time"], lung["event"], lung["sex"])
    assert [str(g) for g in res.groups] == ref["groups"]
    assert res.n.tolist() == ref["n"]
    assert close(res.observed, ref["observed"], rel_tol=1e-12)
    assert close(res.expected, ref["expected"], rel_tol=1e-9)
    assert res.df == ref["df"]
    assert close(res.statistic, ref["chisq"], rel_tol=1e-9)
    assert close(res.p, ref["p"], rel_tol=1e-9)


def test_trend_test_with_two_groups_equals_logrank(lung):
    lr = logrank_test(lung["time"], lung["event"], lung["sex"])
    tr = logrank_trend_test(lung["time"], lung["event"], lung["sex"])
    assert abs(tr["statistic"] - lr.statistic) < 1e-9 * lr.statistic


def test_cox_efron_matches_coxph(lung, lung_ref, close):
    ref = lung_ref["cox"]
    res = cox_ph(lung, "time", "event", ["age", "sex", "ph.ecog"])
    eff = ref["efron"]
    assert res.n == eff["n"] == ref["rows_used"]
    assert res.n_event == eff["n_event"]
    assert res.n_dropped_missing == ref["rows_dropped_na"]
    for term, row in zip(res.terms, eff["coefficients"], strict=True):
        assert term.term == row["term"]
        for ours, theirs in [(term.coef, "coef"), (term.se, "se"), (term.hr, "hr"),
                             (term.lower, "hr_lower95"), (term.upper, "hr_upper95"),
                             (term.z, "z"), (term.p, "p_wald")]:
            assert close(ours, row[theirs], rel_tol=REL), theirs
    assert close(res.loglik, eff["loglik"], rel_tol=1e-9)
    assert close(res.loglik_null, eff["loglik_null"], rel_tol=1e-9)
    assert close(res.concordance, eff["concordance"], rel_tol=1e-9)


def test_breslow_ties_match_stored_breslow_fit(lung, lung_ref, close):
    """Breslow ties (offered since our own fit replaced lifelines) equal R's Breslow fit."""
    res = cox_ph(lung, "time", "event", ["age", "sex", "ph.ecog"], ties="breslow")
    bres = lung_ref["cox"]["breslow"]["coefficients"]
    for term, row in zip(res.terms, bres, strict=True):
        assert close(term.coef, row["coef"], rel_tol=1e-9)
        assert close(term.se, row["se"], rel_tol=1e-9)
        assert close(term.p, row["p_wald"], rel_tol=1e-9)


def test_categorical_reference_level_and_table2(lung):
    d = lung.assign(ecog=lung["ph.ecog"].map({0: "0 asymptomatic", 1: "1 symptomatic",
                                              2: "2 bedbound", 3: "2 bedbound"}),
                    sex_label=lung["sex"].map({1: "male", 2: "female"}))
    res = cox_ph(d, "time", "event", ["ecog", "sex_label"], reference={"sex_label": "male"})
    levels = [t.level for t in res.terms]
    assert levels == ["1 symptomatic vs 0 asymptomatic", "2 bedbound vs 0 asymptomatic",
                      "female vs male"]
    assert res.n_dropped_missing == 1
    table = res.table()
    assert list(table.columns[:7]) == ["variable", "level", "hr", "lower", "upper", "hr_95ci", "p"]
    # sex recoded as a factor gives the numeric model's coefficient (sex 2 vs 1).
    num = cox_ph(lung, "time", "event", ["ph.ecog", "sex"])
    fac = cox_ph(d.assign(sexf=d["sex"].astype(str)), "time", "event", ["ph.ecog", "sexf"])
    assert abs(num.terms[1].coef - fac.terms[1].coef) < 1e-9


def test_screen_then_multivariable_records_variables(lung):
    variables = ["age", "sex", "ph.ecog", "wt.loss"]
    mv = multivariable_model(lung, "time", "event", variables)
    screen = mv.screen
    assert set(screen["variable"]) == set(variables)
    passed = screen.loc[screen["variable_p"] <= 0.05, "variable"].unique().tolist()
    assert mv.selected == [v for v in variables if v in passed]
    assert mv.model is not None and mv.model.variables == mv.selected
    # each univariate row equals its own single-variable model
    uni = univariate_screen(lung, "time", "event", ["age"])
    single = cox_ph(lung, "time", "event", ["age"])
    assert uni.loc[0, "hr"] == single.terms[0].hr


def test_cause_specific_cox_censors_other_causes(mgus2):
    res = cause_specific_cox(mgus2, "etime", "event", 1, ["sexM", "age"])
    direct = cox_ph(mgus2.assign(pcm=(mgus2["event"] == 1).astype(int)), "etime", "pcm",
                    ["sexM", "age"])
    np.testing.assert_allclose([t.coef for t in res.terms], [t.coef for t in direct.terms])
    assert res.n_event == int((mgus2["event"] == 1).sum())
