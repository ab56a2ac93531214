"""Degenerate snapshots build (and render) without raising."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome_report import TABLE_COLUMNS, build_outcome_tables, render_report
from outcome_report.synthetic import simulate_registry


def _check(tables):
    assert set(tables) == set(TABLE_COLUMNS) | {"matched_pairs"}
    for name, df in tables.items():
        assert {"refresh_id", "code_version"} <= set(df.columns), name


def test_empty_registry(tmp_path):
    p, e, s = simulate_registry(10, 10, 10, seed=2)
    tables = build_outcome_tables(p.iloc[:0], e.iloc[:0], s)
    _check(tables)
    res = render_report(tables, p.iloc[:0], e.iloc[:0], s, tmp_path)
    assert res.html_path.exists()


def test_one_patient_per_cohort_and_no_events():
    p, e, s = simulate_registry(1, 1, 3, seed=3)
    _check(build_outcome_tables(p, e, s))
    e0 = e.copy()
    e0["status"] = 0
    tables = build_outcome_tables(p, e0, s)
    _check(tables)
    p2, e2, s2 = simulate_registry(30, 20, 10, seed=4)
    e2 = e2.assign(status=0)
    tables = build_outcome_tables(p2, e2, s2)
    oe = tables["outcome_estimates"]
    assert oe["note"].astype(str).str.contains("no events").any()


def test_all_missing_variables_and_empty_ic():
    p, e, s = simulate_registry(25, 0, 20, seed=5)
    for col in ("sex", "eln2022", "eln2024", "mrd_pre_hsct", "c1_response", "donor_type",
                "age_at_hsct", "salvage_cycles", "pretransplant_risk_group", "in_vivo_tcd"):
        p[col] = pd.Series([None] * len(p), dtype=object)
    tables = build_outcome_tables(p, e, s)
    _check(tables)
    uni = tables["univariate"]
    assert uni.loc[uni["variable"] == "sex", "note"].notna().all()
    assert np.isnan(tables["table1_azaven"].query("variable == 'age_at_hsct'")["median"]).all()
    assert tables["matched_balance"]["note"].notna().all()
