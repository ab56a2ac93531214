"""Outcome tables equal direct survival_stats calls and carry the snapshot columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survival_stats as ss
from outcome_report import SNAPSHOT_COLUMNS, TABLE_COLUMNS
from outcome_report.schema import ANALYSIS_COLUMNS
from outcome_report.tables import CANDIDATES, analysis_frame, selected_variables


def _ep(endpoints, cohort, name):
    d = endpoints[(endpoints["cohort"] == cohort) & (endpoints["endpoint"] == name)]
    return d["time_months"].to_numpy(float), d["status"].to_numpy(int)


def test_every_table_has_documented_and_snapshot_columns(tables, registry):
    snapshot = registry[2]
    assert set(tables) == set(TABLE_COLUMNS) | set(ANALYSIS_COLUMNS)
    for name, cols in {**TABLE_COLUMNS, **ANALYSIS_COLUMNS}.items():
        df = tables[name]
        assert list(df.columns) == cols + SNAPSHOT_COLUMNS, name
        assert len(df) > 0, name
        assert (df["refresh_id"] == snapshot["refresh_id"]).all()
        assert (df["code_version"] == snapshot["code_version"]).all()
    assert len(tables["snapshot"]) == len(snapshot["deliveries"])


@pytest.mark.parametrize("cohort", ["azaven_rr", "ic_comparator"])
def test_km_and_cif_estimates_equal_survival_stats(tables, registry, cohort):
    _, endpoints, _ = registry
    oe = tables["outcome_estimates"]
    oe = oe[oe["cohort"] == cohort]
    for name in ("OS", "GRFS"):
        t, s = _ep(endpoints, cohort, name)
        ref = ss.kaplan_meier(t, s)[0].at([12.0, 24.0])
        got = oe[(oe["endpoint"] == name) & (oe["statistic"] == "survival")]
        np.testing.assert_allclose(got["estimate"], ref["surv"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], ref["se_surv"], rtol=1e-12)
        np.testing.assert_allclose(got["lower"], ref["lower"], rtol=1e-12)
        np.testing.assert_array_equal(got["n_risk"].astype(int), ref["n_risk"])
        med = ss.kaplan_meier(t, s)[0].median()
        row = oe[(oe["endpoint"] == name) & (oe["statistic"] == "median")]
        np.testing.assert_allclose(row["estimate"].iloc[0], med["median"], equal_nan=True)
    for name in ("CIR", "NRM", "CGVHD", "CGVHD_SEVERE"):
        t, s = _ep(endpoints, cohort, name)
        ref = ss.cumulative_incidence(t, s, causes=[1])[0].at([12.0, 24.0])
        got = oe[(oe["endpoint"] == name) & (oe["statistic"] == "cumulative_incidence")]
        np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-12)
        lo = np.fmin(ref["lower"], ref["upper"])
        np.testing.assert_allclose(got["lower"], lo, rtol=1e-12)
        assert (got["lower"].fillna(0) <= got["upper"].fillna(1)).all()
    d = endpoints[(endpoints["cohort"] == cohort) & (endpoints["endpoint"] == "AGVHD_2_4")]
    ref = ss.cumulative_incidence(d["time_days"], d["status"], causes=[1])[0].at([100.0])
    got = oe[(oe["endpoint"] == "AGVHD_2_4")]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
    t, s = _ep(endpoints, cohort, "OS")
    fu = ss.reverse_km_median_followup(t, s)[0]
    row = oe[oe["statistic"] == "median_followup"]
    np.testing.assert_allclose(row["estimate"].iloc[0], fu["median"])


def test_known_hazard_recovered(registry):
    """NRM-free, relapse-free survival of C1 responders is exponential in the simulation."""
    _, endpoints, _ = registry
    t, s = _ep(endpoints, "azaven_rr", "CIR")
    cif_r = ss.cumulative_incidence(t, s, causes=[1, 2])
    # All-cause (relapse or NRM) incidence at 12 months vs the mixture of exponentials.
    total = cif_r[0].at([12.0])["estimate"][0] + cif_r[1].at([12.0])["estimate"][0]
    assert 0.15 < total < 0.75


def test_univariate_and_multivariable_equal_survival_stats(tables, registry):
    patients, endpoints, _ = registry
    af = analysis_frame(patients, endpoints, "azaven_rr")
    uni = tables["univariate"]
    os_ = af[af["endpoint"] == "OS"].copy()
    os_["event"] = (os_["status"] == 1).astype(int)
    ref = ss.cox_ph(os_.dropna(subset=["c1_response"]), "time_months", "event", ["c1_response"],
                    {"c1_response": "CR/CRh/CRi/MLFS at end of C1"}).table()
    row = uni[(uni["endpoint"] == "OS") & (uni["variable"] == "c1_response")
              & (uni["level"] == "No response")]
    assert row["hr_term"].iloc[0] == "No response vs CR/CRh/CRi/MLFS at end of C1"
    np.testing.assert_allclose(row["hr"].iloc[0], ref["hr"].iloc[0], rtol=1e-8)
    lr = ss.logrank_test(os_["time_months"], os_["event"], os_["c1_response"])
    np.testing.assert_allclose(row["test_p"].iloc[0], lr.p, rtol=1e-10)
    cir = af[(af["endpoint"] == "CIR") & af["mrd"].notna()]
    gp = ss.gray_test(cir["time_months"], cir["status"], cir["mrd"], cause=1)[0].p
    got = uni[(uni["endpoint"] == "CIR") & (uni["variable"] == "mrd")]["test_p"].iloc[0]
    np.testing.assert_allclose(got, gp, rtol=1e-10)
    # Selection equals survival_stats.multivariable_model on the screen's candidates.
    screen = [c.name for c in CANDIDATES if c.screen]
    refs = {c.name: c.reference for c in CANDIDATES}
    expected = []
    for v in screen:  # survival_stats.multivariable_model's rule, one variable at a time
        try:
            res = ss.cox_ph(os_.dropna(subset=[v]), "time_months", "event", [v], refs)
        except Exception:  # noqa: BLE001 - a degenerate level: not selectable
            continue
        if res.variable_p[v] <= 0.05:
            expected.append(v)
    assert selected_variables(uni, "OS") == expected
    mv = tables["multivariable"]
    assert set(mv["endpoint"]) == {"OS", "CIR", "GRFS"}


def test_three_group_and_matching(tables, registry):
    patients, endpoints, _ = registry
    af = analysis_frame(patients, endpoints, "azaven_rr")
    cir = af[(af["endpoint"] == "CIR") & af["pretransplant_risk_group"].notna()]
    gp = ss.gray_test(cir["time_months"], cir["status"], cir["pretransplant_risk_group"],
                      cause=1)[0].p
    tg = tables["three_group_model"]
    np.testing.assert_allclose(tg["gray_p"].iloc[0], gp, rtol=1e-10)
    bal = tables["matched_balance"]
    pairs = tables["matched_pairs"]
    assert bal["n_pairs"].iloc[0] == len(pairs) // 2 > 0
    mo = tables["matched_outcomes"]
    assert set(mo["endpoint"]) == {"OS", "CIR", "NRM", "GRFS"}
    assert set(mo["arm"]) == {"AZA/VEN", "IC"}


def test_calibration_rows(tables):
    cal = tables["calibration"]
    row = cal[cal["metric"] == "2-year OS"].iloc[0]
    assert row["target"] == pytest.approx(61.4) and np.isfinite(row["observed"])
    assert {"characteristics", "response", "transplant", "outcomes", "registry"} <= set(
        cal["section"])
    assert isinstance(cal, pd.DataFrame)
