"""Fine-Gray with censoring groups against R ``cmprsk::crr(..., cengroup = g)`` on mgus2.

Reference: ``tools/r/fine_gray_cengroup_reference.R`` -> ``fine_gray_cengroup_reference.json``
(crr with the IPCW censoring Kaplan-Meier estimated separately per group): groups sex (2),
age band (3, string labels), age >= 85 (a small group whose follow-up ends at 155 months,
where crr's G drops to 0), both causes, and ``cencode = 9``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survival_stats.fine_gray import fine_gray, fine_gray_model

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "fine_gray_cengroup_reference.json").read_text())


@pytest.fixture(scope="module")
def mgus2() -> pd.DataFrame:
    d = pd.read_csv(DATA / "mgus2_fine_gray.csv")
    d["age_band"] = np.where(d["age"] < 60, "a<60", np.where(d["age"] < 75, "b60-74", "c75+"))
    d["age85"] = (d["age"] >= 85).astype(int)
    return d


def _status(d: pd.DataFrame, cencode: int) -> pd.Series:
    return d["status"].where(d["status"] != 0, cencode)


@pytest.mark.parametrize("ref", REF["fits"], ids=lambda f: f"{f['cengroup']}-cause{f['failcode']}"
                         f"-cencode{f.get('cencode', 0)}")
def test_crr_with_cengroup(mgus2, ref):
    cencode = ref.get("cencode", 0)
    fit = fine_gray(mgus2["time"], _status(mgus2, cencode), mgus2[["sexM", "age"]].to_numpy(),
                    failcode=ref["failcode"], cencode=cencode, cengroup=mgus2[ref["cengroup"]])
    assert fit.converged == ref["converged"]
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(fit.var, np.array(ref["var"], float), rtol=1e-9, atol=0)
    assert fit.loglik == pytest.approx(ref["loglik"], rel=1e-9)
    assert fit.loglik_null == pytest.approx(ref["loglik_null"], rel=1e-9)
    np.testing.assert_array_equal(fit.uftime, np.array(ref["uftime"], float))
    np.testing.assert_allclose(fit.bfitj, ref["bfitj"], rtol=1e-9, atol=0)


def test_groups_change_the_fit_and_a_single_group_is_crr_without_cengroup(mgus2):
    x = mgus2[["sexM", "age"]].to_numpy()
    plain = fine_gray(mgus2["time"], mgus2["status"], x)
    one = fine_gray(mgus2["time"], mgus2["status"], x, cengroup=np.full(len(mgus2), "all"))
    np.testing.assert_array_equal(one.coef, plain.coef)
    np.testing.assert_array_equal(one.var, plain.var)
    grouped = fine_gray(mgus2["time"], mgus2["status"], x, cengroup=mgus2["age_band"])
    assert np.max(np.abs(grouped.coef - plain.coef)) > 1e-3


def test_group_labels_do_not_matter(mgus2):
    x = mgus2[["sexM", "age"]].to_numpy()
    a = fine_gray(mgus2["time"], mgus2["status"], x, cengroup=mgus2["age_band"])
    relabel = mgus2["age_band"].map({"a<60": 7, "b60-74": -1, "c75+": 3})
    b = fine_gray(mgus2["time"], mgus2["status"], x, cengroup=relabel)
    np.testing.assert_allclose(b.coef, a.coef, rtol=1e-13)
    np.testing.assert_allclose(b.var, a.var, rtol=1e-12)


def test_model_form_drops_rows_without_a_group(mgus2):
    ref = next(f for f in REF["fits"] if f["cengroup"] == "sexM" and f["failcode"] == 1)
    fit = fine_gray_model(mgus2, "time", "status", ["sexM", "age"], cause=1, cengroup="sexM")
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9, atol=0)
    d = mgus2.copy()
    d["centre"] = np.where(d.index % 2 == 0, "A", "B")
    d.loc[[3, 10], "centre"] = None
    fit = fine_gray_model(d, "time", "status", ["sexM", "age"], cause=1, cengroup="centre")
    assert fit.n == len(d) - 2 and fit.n_dropped_missing == 2
    direct = fine_gray(d["time"].drop([3, 10]), d["status"].drop([3, 10]),
                       d[["sexM", "age"]].drop([3, 10]).to_numpy(),
                       cengroup=d["centre"].drop([3, 10]))
    np.testing.assert_array_equal(fit.coef, direct.coef)


def test_cengroup_of_the_wrong_length_is_an_error(mgus2):
    with pytest.raises(ValueError, match="cengroup"):
        fine_gray(mgus2["time"], mgus2["status"], mgus2[["sexM", "age"]].to_numpy(),
                  cengroup=np.zeros(5))
