"""What R users reach for, against R: survdiff(rho =), survfit conf.type logit/arcsin,
quantile.survfit, print(survfit, rmean =), cuminc(cencode =).

Reference: ``tools/r/r_users_reference.R`` -> ``tests/statistics/data/r_users_reference.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survival_stats import competing_risks, kaplan_meier, logrank_test

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((DATA / "r_users_reference.json").read_text())


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.ravel(np.array(values, dtype=object))],
                    dtype=float)


def _same(a, b, rel: float) -> bool:
    a, b = np.asarray(a, float).ravel(), _nan(b)
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=rel, atol=0) |
                                              (np.isnan(a) & np.isnan(b))))


@pytest.mark.parametrize("case", range(8))
def test_fleming_harrington_rho_equals_survdiff(ref, case):
    r = ref["survdiff"][case]
    vet = pd.read_csv(DATA / "cox_veteran.csv")
    res = logrank_test(vet["time"], vet["status"], vet["celltype"],
                       strata=vet["prior"] if r["strata"] else None, rho=r["rho"])
    ng = len(res.groups)
    # with strata survdiff's obs/exp are group x stratum matrices (column-major in the JSON)
    obs = np.array(r["obs"], float).reshape(-1, ng).sum(axis=0)
    exp = np.array(r["exp"], float).reshape(-1, ng).sum(axis=0)
    assert _same(res.observed, obs, 1e-12)
    assert _same(res.expected, exp, 1e-12)
    assert _same(res.variance.T.ravel(), r["var"], 1e-12)
    assert _same(res.statistic, r["chisq"], 1e-10)
    assert _same(res.p, r["p"], 1e-9)


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = pd.read_csv(DATA / "cox_lung.csv")
    d["event"] = (d["status"] == 2).astype(int)
    return d


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain", "logit", "arcsin"])
def test_survfit_ci_quantiles_and_rmean_equal_r(ref, lung, conf_type):
    r = ref["km"][conf_type]
    curves = kaplan_meier(lung["time"], lung["event"], lung["sex"], conf_type=conf_type)
    assert _same(np.concatenate([c.time for c in curves]), r["time"], 0)
    assert _same(np.concatenate([c.surv for c in curves]), r["surv"], 1e-13)
    assert _same(np.concatenate([c.lower for c in curves]), r["lower"], 1e-12)
    assert _same(np.concatenate([c.upper for c in curves]), r["upper"], 1e-12)
    q = [c.quantile(r["probs"]) for c in curves]
    assert _same(np.concatenate([x["quantile"] for x in q]), r["quantile"], 1e-13)
    assert _same(np.concatenate([x["lower"] for x in q]), r["q_lower"], 1e-13)
    assert _same(np.concatenate([x["upper"] for x in q]), r["q_upper"], 1e-13)
    for tau in (365, 700):
        rm = [c.rmst(tau) for c in curves]
        assert _same([x["rmst"] for x in rm], r[f"rmean_{tau}"], 1e-12)
        assert _same([x["se"] for x in rm], r[f"se_rmean_{tau}"], 1e-10)


def test_quantile_median_equals_median_rule(lung):
    for c in kaplan_meier(lung["time"], lung["event"], lung["sex"]):
        q = c.quantile([0.5])
        m = c.median()
        assert _same([q["quantile"][0], q["lower"][0], q["upper"][0]],
                     [m["median"], m["lower"], m["upper"]], 0)


def test_cuminc_cencode_equals_r(ref):
    r = ref["cuminc_cencode"]
    d = pd.read_csv(DATA / "mgus2_cencode.csv")
    res = competing_risks(d["time"], d["status"], d["sex"], cencode=9)
    assert [f"{c.group} {c.cause}" for c in res.curves] == r["curves"]
    est = np.array([c.at(r["times"])["estimate"] for c in res.curves])
    var = np.array([c.at(r["times"])["variance"] for c in res.curves])
    assert _same(est, r["est"], 1e-12)
    assert _same(var, r["var"], 1e-10)
    assert [str(t.cause) for t in res.tests] == r["tests_cause"]
    assert _same([t.statistic for t in res.tests], r["tests_stat"], 1e-9)
    assert _same([t.p for t in res.tests], r["tests_p"], 1e-9)
