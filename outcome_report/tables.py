"""The standard outcome report's tables (`outcomes.<name>`), built from the analysis layer.

Layout follows the reference study (AZA/VEN salvage then allogeneic HSCT in R/R AML, Bone
Marrow Transplantation 2026); every statistic comes from `survival_stats` (R survival/cmprsk).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import survival_stats as ss
from outcome_report import estimates as est
from outcome_report.matching import match_arms
from outcome_report.variables import (
    AZAVEN,
    CANDIDATES,
    IC,
    MONTH_DAYS,
    TABLE1_VARS,
    Table1Var,
    derive_candidates,
)

TIMES = (12.0, 24.0)
DAY100 = 100.0
SCREEN_ENDPOINTS = ("OS", "CIR", "GRFS", "NRM")
MULTIVARIABLE_ENDPOINTS = ("OS", "CIR", "GRFS")
ESTIMATE_ENDPOINTS = ("OS", "CIR", "NRM", "GRFS", "CGVHD", "CGVHD_SEVERE")
AGVHD_ENDPOINTS = ("AGVHD_2_4", "AGVHD_3_4")
MATCHED_ENDPOINTS = ("OS", "CIR", "NRM", "GRFS")
RISK_LEVELS = ("early_mrd_negative", "intermediate", "late_mrd_positive")
ALPHA = 0.05
RISK_TICKS = (0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0)

# Figures: id -> (title, endpoint, population, grouping column or None).
FIGURES: dict[str, tuple[str, str, str, str | None]] = {
    "os_by_salvage_setting": ("Overall survival by salvage setting", "OS", "azaven",
                              "salvage_setting"),
    "os_by_mrd": ("Overall survival by pre-HSCT MRD", "OS", "azaven", "mrd"),
    "cir_by_response_timing": ("Cumulative incidence of relapse by response timing", "CIR",
                               "azaven", "response_timing"),
    "cir_by_mrd": ("Cumulative incidence of relapse by pre-HSCT MRD", "CIR", "azaven", "mrd"),
    "cir_by_risk_group": ("Cumulative incidence of relapse by pretransplant risk group", "CIR",
                          "azaven", "pretransplant_risk_group"),
    "grfs_by_mrd": ("GRFS by pre-HSCT MRD", "GRFS", "azaven", "mrd"),
    "nrm_overall": ("Non-relapse mortality", "NRM", "azaven", None),
    "matched_os": ("Matched comparison: overall survival", "OS", "matched", "arm"),
    "matched_cir": ("Matched comparison: cumulative incidence of relapse", "CIR", "matched",
                    "arm"),
    "matched_nrm": ("Matched comparison: non-relapse mortality", "NRM", "matched", "arm"),
    "matched_grfs": ("Matched comparison: GRFS", "GRFS", "matched", "arm"),
}

TABLE_COLUMNS: dict[str, list[str]] = {
    "snapshot": ["centre_id", "delivery_date", "generated_at"],
    "cohort_flow": ["step_order", "step", "setting", "n", "denominator", "pct", "text", "note"],
    "table1_azaven": ["cohort", "variable", "label", "level", "n", "n_known", "pct", "text", "missing",
                      "median", "min", "max", "note"],
    "table1_ic": ["cohort", "variable", "label", "level", "n", "n_known", "pct", "text", "missing",
                  "median", "min", "max", "note"],
    "table1_comparison": ["variable", "label", "level", "azaven", "ic", "missing_azaven",
                          "missing_ic", "test", "p", "note"],
    "outcome_estimates": ["cohort", "endpoint", "statistic", "timepoint", "time_months", "n",
                          "n_events", "estimate", "se", "lower", "upper", "n_risk", "text",
                          "method", "note"],
    "univariate": ["endpoint", "variable", "label", "level", "reference", "n", "n_events",
                   "estimate_24m", "lower_24m", "upper_24m", "test", "test_p", "hr_term", "hr",
                   "hr_lower", "hr_upper", "hr_p", "variable_p", "model", "note"],
    "multivariable": ["endpoint", "candidates", "selected_variables", "variable", "level", "hr",
                      "lower", "upper", "hr_95ci", "p", "n", "n_event", "n_dropped_missing",
                      "model", "note"],
    "three_group_model": ["risk_group", "n", "n_events", "estimate_24m", "se", "lower", "upper",
                          "n_risk", "gray_p", "note"],
    "matched_balance": ["variable", "mean_treated_before", "mean_control_before", "smd_before",
                        "mean_treated_after", "mean_control_after", "smd_after", "n_treated",
                        "n_control", "n_pairs", "n_dropped_missing", "method", "note"],
    "matched_outcomes": ["endpoint", "arm", "time_months", "n", "n_events", "estimate", "se",
                         "lower", "upper", "n_risk", "test", "test_p", "hr", "hr_lower",
                         "hr_upper", "hr_p", "note"],
    "calibration": ["section", "metric", "unit", "target", "target_n", "observed", "observed_n",
                    "target_pct", "observed_pct", "note"],
    "curves": ["figure", "endpoint", "group", "time_months", "estimate", "lower", "upper",
               "n_risk"],
    "number_at_risk": ["figure", "group", "time_months", "n_risk"],
}
SNAPSHOT_COLUMNS = ["refresh_id", "code_version"]


def _frame(rows: list[dict] | pd.DataFrame, name: str) -> pd.DataFrame:
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    for c in TABLE_COLUMNS[name]:
        if c not in df.columns:
            df[c] = None
    return df[TABLE_COLUMNS[name]].reset_index(drop=True)


def _stamp(df: pd.DataFrame, snapshot: dict) -> pd.DataFrame:
    df = df.copy()
    df["refresh_id"] = snapshot.get("refresh_id")
    df["code_version"] = snapshot.get("code_version")
    return df


def _pct(n: float, d: float) -> float:
    return 100.0 * n / d if d else np.nan


def _nfmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


# ----------------------------------------------------------------------------- snapshot / flow
def snapshot_table(snapshot: dict) -> pd.DataFrame:
    """Deliveries per centre of the refresh (one row per centre)."""
    deliveries = snapshot.get("deliveries") or {}
    rows = [{"centre_id": c, "delivery_date": str(v), "generated_at": snapshot.get("generated_at")}
            for c, v in sorted(deliveries.items())]
    return _frame(rows, "snapshot")


def cohort_flow(patients: pd.DataFrame) -> pd.DataFrame:
    """Registry -> R/R salvage by setting -> CRc (rate per setting) -> transplanted."""
    coh = patients["cohort"].astype(object)
    rr = patients[coh == AZAVEN]
    setting = rr["salvage_setting"].astype(object).fillna("missing")
    crc = rr["crc_ever"].astype("boolean").fillna(False).to_numpy(bool)
    tx = rr["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    rows = [
        {"step": "registry", "setting": "all", "n": len(patients), "denominator": None},
        {"step": "azaven_treated", "setting": "all",
         "n": int(coh.isin([AZAVEN, "azaven_frontline"]).sum()), "denominator": len(patients)},
        {"step": "rr_salvage", "setting": "all", "n": len(rr), "denominator": None},
    ]
    levels = ["post_ic", "post_hma", "molecular_relapse"]
    levels += sorted(set(setting) - set(levels))
    for lv in levels:
        sel = (setting == lv).to_numpy()
        if lv == "missing" and not sel.any():
            continue
        rows.append({"step": "rr_salvage", "setting": lv, "n": int(sel.sum()),
                     "denominator": len(rr)})
    rows.append({"step": "crc", "setting": "all", "n": int(crc.sum()), "denominator": len(rr)})
    for lv in levels:
        sel = (setting == lv).to_numpy()
        if sel.any() or lv != "missing":
            rows.append({"step": "crc", "setting": lv, "n": int(crc[sel].sum()),
                         "denominator": int(sel.sum())})
    rows.append({"step": "transplanted", "setting": "all", "n": int(tx.sum()),
                 "denominator": len(rr)})
    for lv in levels:
        sel = (setting == lv).to_numpy()
        if sel.any() or lv != "missing":
            rows.append({"step": "transplanted", "setting": lv, "n": int(tx[sel].sum()),
                         "denominator": int(sel.sum())})
    ic_tx = patients[(coh == IC)]["transplanted"].astype("boolean").fillna(False).sum()
    rows.append({"step": "ic_comparator_transplanted", "setting": "all", "n": int(ic_tx),
                 "denominator": int((coh == IC).sum())})
    for k, r in enumerate(rows):
        r["step_order"] = k
        d = r["denominator"]
        r["pct"] = _pct(r["n"], d) if d is not None else np.nan
        r["text"] = f"{r['n']}/{d} ({r['pct']:.1f}%)" if d else str(r["n"])
        r["note"] = "denominator is zero" if d == 0 else None
    return _frame(rows, "cohort_flow")


# ----------------------------------------------------------------------------- Table 1
def _table1_var(df: pd.DataFrame, v: Table1Var, cohort: str) -> list[dict]:
    base = {"cohort": cohort, "variable": v.name, "label": v.label}
    if v.name not in df.columns:
        return [{**base, "level": None, "n": 0, "n_known": 0, "note": "column absent"}]
    col = df[v.name]
    if v.continuous:
        x = pd.to_numeric(col, errors="coerce").astype(float)
        xs = x.dropna()
        miss = int(x.isna().sum())
        if xs.empty:
            return [{**base, "level": "median (range)", "n": None, "n_known": 0, "text": "-",
                     "missing": miss, "median": np.nan, "min": np.nan, "max": np.nan,
                     "note": "no values"}]
        med, lo, hi = float(xs.median()), float(xs.min()), float(xs.max())
        return [{**base, "level": "median (range)", "n": None, "n_known": len(xs),
                 "text": f"{_nfmt(round(med, 1))} ({lo:.0f}-{hi:.0f})", "missing": miss,
                 "median": med, "min": lo, "max": hi, "note": None}]
    s = col.astype(object).where(col.notna(), None)
    if col.dtype == bool or str(col.dtype) == "boolean":
        s = s.map({True: True, False: False, None: None})
    s = s.where(~s.isin(list(v.missing_levels)), None)
    excluded = s.isin(list(v.excluded_levels))
    miss = int(s.isna().sum())
    valid = s[s.notna() & ~excluded]
    if v.name == "lines_before_salvage":
        valid = valid.astype(float).astype(int)
    counts = valid.value_counts()
    levels = list(v.levels) + sorted(set(counts.index) - set(v.levels), key=str)
    N = len(valid)
    note = (f"{int(excluded.sum())} excluded ({', '.join(map(str, v.excluded_levels))})"
            if excluded.any() else None)
    rows = []
    for lv in levels:
        n = int(counts.get(lv, 0))
        label = {True: "yes", False: "no"}.get(lv, str(lv)) if isinstance(lv, bool) else str(lv)
        pct = _pct(n, N)
        rows.append({**base, "level": label, "n": n, "n_known": N, "pct": pct,
                     "text": f"{n}/{N} ({pct:.1f}%)" if N else f"{n}/0", "missing": miss,
                     "note": note if N else "no values"})
    if not rows:
        rows.append({**base, "level": None, "n": 0, "n_known": 0, "missing": miss, "note": "no values"})
    return rows


def table1(patients: pd.DataFrame, cohort: str) -> pd.DataFrame:
    """Characteristics of transplanted patients of one cohort: n/N (%), median (range)."""
    tx = patients["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    df = patients[(patients["cohort"].astype(object) == cohort).to_numpy() & tx]
    rows = [r for v in TABLE1_VARS for r in _table1_var(df, v, cohort)]
    out = _frame(rows, "table1_azaven")
    for c in ("median", "min", "max", "pct"):
        out[c] = out[c].astype(float)
    return out


def table1_comparison(patients: pd.DataFrame, t_az: pd.DataFrame,
                      t_ic: pd.DataFrame) -> pd.DataFrame:
    """AZA/VEN vs IC: Mann-Whitney for continuous, chi-square/Fisher for categorical."""
    tx = patients["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    coh = patients["cohort"].astype(object).to_numpy()
    a_df, i_df = patients[tx & (coh == AZAVEN)], patients[tx & (coh == IC)]
    key = ["variable", "level"]
    m = t_az[[*key, "label", "text", "missing", "n"]].merge(
        t_ic[[*key, "text", "missing", "n"]], on=key, how="outer", suffixes=("_a", "_i"))
    order = {v.name: k for k, v in enumerate(TABLE1_VARS)}
    m["_o"] = m["variable"].map(order)
    m = m.sort_values("_o", kind="stable")
    rows = []
    for v in TABLE1_VARS:
        sub = m[m["variable"] == v.name]
        test, p, note = "none", np.nan, None
        try:
            if v.continuous and v.name in patients.columns:
                x = pd.to_numeric(a_df[v.name], errors="coerce").dropna().to_numpy(float)
                y = pd.to_numeric(i_df[v.name], errors="coerce").dropna().to_numpy(float)
                if x.size and y.size:
                    r = ss.mann_whitney(x, y)
                    test, p = r.test, r.p
                else:
                    note = "an arm has no values"
            else:
                tab = np.column_stack([sub["n_a"].fillna(0).to_numpy(float),
                                       sub["n_i"].fillna(0).to_numpy(float)])
                if tab.size and tab.sum() > 0:
                    r = ss.categorical_test(tab)
                    test, p = r.test, r.p
                else:
                    note = "no values"
        except (ValueError, ZeroDivisionError) as exc:
            note = f"test failed: {exc}"
        for _, r_ in sub.iterrows():
            rows.append({"variable": v.name, "label": r_["label"], "level": r_["level"],
                         "azaven": r_["text_a"], "ic": r_["text_i"],
                         "missing_azaven": r_["missing_a"], "missing_ic": r_["missing_i"],
                         "test": test, "p": p, "note": note})
    return _frame(rows, "table1_comparison")


# ----------------------------------------------------------------------------- outcomes
def _fmt_est(e: float, lo: float, hi: float) -> str:
    if not np.isfinite(e):
        return "-"
    ci = f" ({100 * lo:.1f}-{100 * hi:.1f})" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{100 * e:.1f}%{ci}"


def outcome_estimates(endpoints: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: 12/24-month estimates, day-100 aGVHD, median follow-up, median OS/GRFS."""
    cohorts = [AZAVEN, IC] + sorted(set(endpoints["cohort"].dropna()) - {AZAVEN, IC})
    rows: list[dict] = []
    for coh in cohorts:
        ec = endpoints[endpoints["cohort"] == coh]
        for ep in ESTIMATE_ENDPOINTS + AGVHD_ENDPOINTS:
            d = ec[ec["endpoint"] == ep]
            day100 = ep in AGVHD_ENDPOINTS
            times = [DAY100] if day100 else list(TIMES)
            method = "Kaplan-Meier" if est.is_km(ep) else "cumulative incidence (cmprsk)"
            for r in est.point_estimates(d, ep, times, time="time_days" if day100 else
                                         "time_months"):
                tm = r["time"] / MONTH_DAYS if day100 else r["time"]
                rows.append({"cohort": coh, "endpoint": ep,
                             "statistic": "survival" if est.is_km(ep) else
                             "cumulative_incidence",
                             "timepoint": "day 100" if day100 else f"{r['time']:.0f} months",
                             "time_months": tm, "n": r["n"], "n_events": r["n_events"],
                             "estimate": r["estimate"], "se": r["se"], "lower": r["lower"],
                             "upper": r["upper"], "n_risk": r["n_risk"], "method": method,
                             "text": _fmt_est(r["estimate"], r["lower"], r["upper"]),
                             "note": r["note"]})
        os_ = ec[ec["endpoint"] == "OS"]
        t, s, _ = est._arrays(os_)
        fu = ss.reverse_km_median_followup(t, (s == 1).astype(int))[0] if t.size else {}
        rows.append({"cohort": coh, "endpoint": "OS", "statistic": "median_followup",
                     "timepoint": "median", "n": int(t.size), "n_events": int((s == 0).sum()),
                     "estimate": fu.get("median", np.nan), "lower": fu.get("lower", np.nan),
                     "upper": fu.get("upper", np.nan), "method": "reverse Kaplan-Meier",
                     "text": _fmt_months(fu), "note": None if t.size else "no patients"})
        for ep in ("OS", "GRFS"):
            t, s, _ = est._arrays(ec[ec["endpoint"] == ep])
            med = ss.kaplan_meier(t, (s == 1).astype(int))[0].median() if t.size else {}
            rows.append({"cohort": coh, "endpoint": ep, "statistic": "median",
                         "timepoint": "median", "n": int(t.size),
                         "n_events": int((s == 1).sum()), "estimate": med.get("median", np.nan),
                         "lower": med.get("lower", np.nan), "upper": med.get("upper", np.nan),
                         "method": "Kaplan-Meier (survfit median)", "text": _fmt_months(med),
                         "note": None if t.size else "no patients"})
    out = _frame(rows, "outcome_estimates")
    for c in ("time_months", "estimate", "se", "lower", "upper"):
        out[c] = out[c].astype(float)
    return out


def _fmt_months(m: dict) -> str:
    if not m or not np.isfinite(m.get("median", np.nan)):
        return "not reached" if m else "-"
    lo, hi = m.get("lower", np.nan), m.get("upper", np.nan)
    f = lambda x: f"{x:.1f}" if np.isfinite(x) else "NR"  # noqa: E731
    return f"{m['median']:.1f} months ({f(lo)}-{f(hi)})"


# ----------------------------------------------------------------------------- screen / models
def analysis_frame(patients: pd.DataFrame, endpoints: pd.DataFrame, cohort: str,
                   extra: tuple[str, ...] = ("pretransplant_risk_group",)) -> pd.DataFrame:
    """Endpoints of one cohort joined to the derived candidate variables (one row per
    patient and endpoint)."""
    p = patients[patients["cohort"].astype(object) == cohort]
    cand = derive_candidates(p)
    for c in extra:
        cand[c] = p[c].astype(object).where(p[c].notna(), None)
    cand["patient_key"] = p["patient_key"].to_numpy()
    e = endpoints[endpoints["cohort"] == cohort][["patient_key", "endpoint", "time_days",
                                                  "time_months", "status"]]
    return e.merge(cand.drop_duplicates("patient_key"), on="patient_key", how="left")


def univariate(af: pd.DataFrame) -> pd.DataFrame:
    """Per endpoint x candidate: 24-month estimate per level, log-rank/Gray p, (cause-specific)
    Cox HR per level with CI, p and the variable's joint Wald p (the screen)."""
    rows: list[dict] = []
    for ep in SCREEN_ENDPOINTS:
        d_ep = af[af["endpoint"] == ep]
        for c in CANDIDATES:
            d = d_ep[d_ep[c.name].notna()]
            model = "Cox (Efron)" if est.is_km(ep) else "cause-specific Cox (Efron)"
            base = {"endpoint": ep, "variable": c.name, "label": c.label, "model": model}
            cox, cox_note = est.cox_table(d, ep, [c.name], {c.name: c.reference})
            vp = float(cox["variable_p"].iloc[0]) if len(cox) else np.nan
            if c.continuous:
                r = cox.iloc[0] if len(cox) else {}
                rows.append({**base, "level": "per 10 years", "n": len(d),
                             "n_events": int((d["status"] == 1).sum()),
                             "hr_term": c.name, "hr": r.get("hr", np.nan),
                             "hr_lower": r.get("lower", np.nan), "hr_upper": r.get("upper", np.nan),
                             "hr_p": r.get("p", np.nan), "variable_p": vp, "note": cox_note})
                continue
            test, p, t_note = est.group_test(d, ep, c.name) if len(d) else ("-", np.nan,
                                                                           "no patients")
            pe = {r["group"]: r for r in est.point_estimates(d, ep, [24.0], c.name)} if len(d) \
                else {}
            terms = {str(r["level"]).split(" vs ")[0]: r for _, r in cox.iterrows()}
            ref = (str(cox["level"].iloc[0]).split(" vs ")[1] if len(cox) else c.reference)
            levels = list(c.levels) + sorted(set(pe) - set(c.levels))
            for lv in levels:
                r = pe.get(lv)
                if r is None:
                    continue
                term = terms.get(lv)
                is_ref = lv == ref and len(cox) > 0
                notes = [x for x in (t_note, cox_note, r["note"]) if x]
                rows.append({
                    **base, "level": lv, "reference": ref, "n": r["n"],
                    "n_events": r["n_events"], "estimate_24m": r["estimate"],
                    "lower_24m": r["lower"], "upper_24m": r["upper"], "test": test,
                    "test_p": p, "hr_term": term["level"] if term is not None else
                    ("reference" if is_ref else None),
                    "hr": term["hr"] if term is not None else (1.0 if is_ref else np.nan),
                    "hr_lower": term["lower"] if term is not None else np.nan,
                    "hr_upper": term["upper"] if term is not None else np.nan,
                    "hr_p": term["p"] if term is not None else np.nan, "variable_p": vp,
                    "note": "; ".join(dict.fromkeys(notes)) or None})
            if not pe:
                rows.append({**base, "n": 0, "note": "no patients with this variable"})
    out = _frame(rows, "univariate")
    for c in ("estimate_24m", "lower_24m", "upper_24m", "test_p", "hr", "hr_lower", "hr_upper",
              "hr_p", "variable_p"):
        out[c] = out[c].astype(float)
    return out


def selected_variables(uni: pd.DataFrame, endpoint: str, alpha: float = ALPHA) -> list[str]:
    """Screen variables with joint Wald p <= alpha (survival_stats.multivariable_model rule)."""
    screen = [c.name for c in CANDIDATES if c.screen]
    per = uni[uni["endpoint"] == endpoint].groupby("variable", sort=False)["variable_p"].first()
    return [v for v in screen if v in per.index and per[v] <= alpha]


def multivariable(af: pd.DataFrame, uni: pd.DataFrame) -> pd.DataFrame:
    """Cox (cause-specific for CIR) on the variables with p <= 0.05; Table 2 form."""
    refs = {c.name: c.reference for c in CANDIDATES}
    cand_list = ", ".join(c.name for c in CANDIDATES if c.screen)
    rows = []
    for ep in MULTIVARIABLE_ENDPOINTS:
        sel = selected_variables(uni, ep)
        if "c1_response" in sel and "response_timing" in sel:
            # early timing == CRc at end of C1 by definition: the two are aliased.
            sel.remove("response_timing")
        base = {"endpoint": ep, "candidates": cand_list, "selected_variables": ", ".join(sel),
                "model": "Cox (Efron)" if est.is_km(ep) else "cause-specific Cox (Efron)"}
        if not sel:
            rows.append({**base, "note": f"no variable with p <= {ALPHA} in the screen"})
            continue
        d = af[af["endpoint"] == ep]
        tab, note = est.cox_table(d, ep, sel, refs)
        if tab.empty:
            rows.append({**base, "note": note})
            continue
        for _, r in tab.iterrows():
            rows.append({**base, **{k: r[k] for k in ("variable", "level", "hr", "lower", "upper",
                                                       "hr_95ci", "p", "n", "n_event",
                                                       "n_dropped_missing")}, "note": note})
    return _frame(rows, "multivariable")


def three_group_model(af: pd.DataFrame) -> pd.DataFrame:
    """2-year CIR per pretransplant risk group with Gray's test (rho = 0)."""
    d = af[(af["endpoint"] == "CIR") & af["pretransplant_risk_group"].notna()]
    if d.empty:
        return _frame([{"risk_group": lv, "n": 0, "note": "no patients"} for lv in RISK_LEVELS],
                      "three_group_model")
    _, p, note = est.group_test(d, "CIR", "pretransplant_risk_group")
    pe = {r["group"]: r for r in est.point_estimates(d, "CIR", [24.0],
                                                     "pretransplant_risk_group")}
    rows = []
    for lv in list(RISK_LEVELS) + sorted(set(pe) - set(RISK_LEVELS)):
        r = pe.get(lv)
        if r is None:
            rows.append({"risk_group": lv, "n": 0, "gray_p": p, "note": "no patients"})
            continue
        rows.append({"risk_group": lv, "n": r["n"], "n_events": r["n_events"],
                     "estimate_24m": r["estimate"], "se": r["se"], "lower": r["lower"],
                     "upper": r["upper"], "n_risk": r["n_risk"], "gray_p": p,
                     "note": "; ".join(x for x in (note, r["note"]) if x) or None})
    return _frame(rows, "three_group_model")


# ----------------------------------------------------------------------------- matching
def matched_outcomes(endpoints: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """OS, CIR, NRM, GRFS per matched arm at 12/24 months, log-rank/Gray p, HR AZA/VEN vs IC."""
    rows = []
    e = endpoints.merge(arms[["patient_key", "arm"]], on="patient_key", how="inner")
    for ep in MATCHED_ENDPOINTS:
        d = e[e["endpoint"] == ep]
        if d.empty:
            rows.append({"endpoint": ep, "n": 0, "note": "no matched pairs"})
            continue
        test, p, t_note = est.group_test(d, ep, "arm")
        cox, c_note = est.cox_table(d, ep, ["arm"], {"arm": "IC"})
        hr = cox.iloc[0] if len(cox) else {}
        for r in est.point_estimates(d, ep, list(TIMES), "arm"):
            rows.append({"endpoint": ep, "arm": r["group"], "time_months": r["time"],
                         "n": r["n"], "n_events": r["n_events"], "estimate": r["estimate"],
                         "se": r["se"], "lower": r["lower"], "upper": r["upper"],
                         "n_risk": r["n_risk"], "test": test, "test_p": p,
                         "hr": hr.get("hr", np.nan), "hr_lower": hr.get("lower", np.nan),
                         "hr_upper": hr.get("upper", np.nan), "hr_p": hr.get("p", np.nan),
                         "note": "; ".join(x for x in (t_note, c_note, r["note"]) if x) or None})
    return _frame(rows, "matched_outcomes")


# ----------------------------------------------------------------------------- curves
def curves(af: pd.DataFrame, matched_ep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every plotted step function (with CI and n at risk) and the number-at-risk tables."""
    parts, risk = [], []
    for fig, (_, ep, pop, group) in FIGURES.items():
        src = matched_ep if pop == "matched" else af
        d = src[src["endpoint"] == ep]
        if group is not None:
            d = d[d[group].notna()]
        t, s, ok = est._arrays(d)
        if t.size == 0:
            continue
        g = None if group is None else d[group].to_numpy(dtype=object)[ok].astype(str)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if est.is_km(ep):
                for c in ss.kaplan_meier(t, (s == 1).astype(int), g):
                    parts.append(pd.DataFrame({
                        "figure": fig, "endpoint": ep, "group": str(c.group),
                        "time_months": np.r_[0.0, c.time], "estimate": np.r_[1.0, c.surv],
                        "lower": np.r_[1.0, c.lower], "upper": np.r_[1.0, c.upper],
                        "n_risk": np.r_[c.n, c.n_risk]}))
                    risk.append(pd.DataFrame({"figure": fig, "group": str(c.group),
                                              "time_months": RISK_TICKS,
                                              "n_risk": c.at(RISK_TICKS)["n_risk"]}))
            else:
                s1 = np.where(s == 1, 1, np.where(s == 0, 0, 2))
                for c in ss.cumulative_incidence(t, s1, g, causes=[1]):
                    a = est.cif_at(c, c.risk_time)
                    parts.append(pd.DataFrame({
                        "figure": fig, "endpoint": ep, "group": str(c.group),
                        "time_months": np.r_[0.0, a["time"]], "estimate": np.r_[0.0, a["estimate"]],
                        "lower": np.r_[0.0, a["lower"]], "upper": np.r_[0.0, a["upper"]],
                        "n_risk": np.r_[c.n, a["n_risk"]]}))
                    risk.append(pd.DataFrame({"figure": fig, "group": str(c.group),
                                              "time_months": RISK_TICKS,
                                              "n_risk": c.at(RISK_TICKS)["n_risk"]}))
    cv = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    nr = pd.concat(risk, ignore_index=True) if risk else pd.DataFrame()
    return _frame(cv, "curves"), _frame(nr, "number_at_risk")


# ----------------------------------------------------------------------------- calibration
CALIBRATION_TARGETS: list[tuple] = [
    # (section, metric, unit, target, target_n, kind, spec)
    ("characteristics", "age at HSCT median", "years", 58.2, None, "t1stat",
     ("age_at_hsct", "median")),
    ("characteristics", "age at HSCT min", "years", 18, None, "t1stat", ("age_at_hsct", "min")),
    ("characteristics", "age at HSCT max", "years", 73, None, "t1stat", ("age_at_hsct", "max")),
    ("characteristics", "female", "count", 36, 75, "t1", ("sex", "female")),
    *[("characteristics", f"ELN 2022 {lv}", "count", n, 73, "t1", ("eln2022", lv))
      for lv, n in (("favorable", 9), ("intermediate", 19), ("adverse", 45))],
    *[("characteristics", f"ELN 2024 {lv}", "count", n, 73, "t1", ("eln2024", lv))
      for lv, n in (("favorable", 46), ("intermediate", 15), ("adverse", 12))],
    ("characteristics", "adverse cytogenetics", "count", 22, 75, "t1",
     ("adverse_cytogenetics", "yes")),
    ("characteristics", "complex karyotype", "count", 18, 75, "t1", ("complex_karyotype", "yes")),
    ("characteristics", "lines before salvage 1", "count", 58, 75, "t1",
     ("lines_before_salvage", "1")),
    ("characteristics", "lines before salvage 2", "count", 17, 75, "t1",
     ("lines_before_salvage", "2")),
    *[("characteristics", f"status before salvage {lv}", "count", n, 75, "t1",
       ("status_before_salvage", lv))
      for lv, n in (("refractory", 35), ("relapse", 32), ("molecular_relapse", 8))],
    ("characteristics", "salvage cycles median", "cycles", 2, None, "t1stat",
     ("salvage_cycles", "median")),
    ("characteristics", "salvage cycles min", "cycles", 1, None, "t1stat",
     ("salvage_cycles", "min")),
    ("characteristics", "salvage cycles max", "cycles", 6, None, "t1stat",
     ("salvage_cycles", "max")),
    ("response", "CRc at end of cycle 1", "count", 55, 75, "t1", ("c1_response", "yes")),
    ("response", "CRc later", "count", 18, 75, "t1", ("response_timing", "late")),
    ("response", "refractory at HSCT", "count", 4, 75, "t1", ("pre_hsct_status", "refractory")),
    *[("response", f"MRD {lv}", "count", n, 71, "t1", ("mrd_pre_hsct", lv))
      for lv, n in (("negative", 46), ("positive", 20), ("not_done", 5))],
    *[("transplant", f"donor {lv}", "count", n, 75, "t1", ("donor_type", lv))
      for lv, n in (("MSD", 12), ("MUD", 38), ("MMUD", 5), ("haplo", 20))],
    *[("transplant", f"HCT-CI {lv}", "count", n, 75, "t1", ("hct_ci_group", lv))
      for lv, n in (("0", 41), ("1", 16), ("2", 11), (">=3", 7))],
    *[("transplant", f"conditioning {lv}", "count", n, 75, "t1", ("conditioning_intensity", lv))
      for lv, n in (("RIC", 53), ("MAC", 9), ("sequential", 13))],
    *[("transplant", f"prophylaxis {lv}", "count", n, 75, "t1", ("gvhd_prophylaxis", lv))
      for lv, n in (("CSA", 21), ("CSA+MMF", 42), ("CSA+MTX", 12))],
    *[("transplant", f"stem cell source {lv}", "percent", v, None, "t1pct",
       ("stem_cell_source", lv)) for lv, v in (("PB", 94.8), ("BM", 2.6), ("CB", 2.6))],
    *[("transplant", f"CMV {lv}", "percent", v, None, "t1pct", ("cmv_pair", lv))
      for lv, v in (("D-/R-", 28.0), ("D-/R+", 29.3), ("D+/R-", 9.3), ("D+/R+", 33.4))],
    ("outcomes", "median follow-up", "months", 16.9, None, "fu", None),
    *[("outcomes", f"2-year {ep}", "percent", v, None, "est", (ep, 24.0))
      for ep, v in (("OS", 61.4), ("CIR", 35.1), ("NRM", 10.6), ("GRFS", 53.1),
                    ("CGVHD", 22.6), ("CGVHD_SEVERE", 5.3))],
    ("outcomes", "day-100 aGVHD II-IV", "percent", 12.0, None, "est", ("AGVHD_2_4", DAY100)),
    ("outcomes", "day-100 aGVHD III-IV", "percent", 6.6, None, "est", ("AGVHD_3_4", DAY100)),
    ("outcomes", "OS HR no response vs CRc at end of C1", "HR", 5.0, None, "hr", None),
    ("registry", "AZA/VEN-treated patients", "count", 592, None, "flow",
     ("azaven_treated", "all")),
    ("registry", "centres", "count", 12, None, "centres", None),
    ("registry", "R/R salvage", "count", 305, None, "flow", ("rr_salvage", "all")),
    *[("registry", f"R/R salvage {lv}", "count", n, 305, "flow", ("rr_salvage", lv))
      for lv, n in (("post_ic", 240), ("post_hma", 29), ("molecular_relapse", 36))],
    ("registry", "AZA/VEN transplanted (R/R)", "count", 75, None, "flow", ("transplanted", "all")),
    ("registry", "IC comparator transplanted (at least)", "count", 75, None, "flow",
     ("ic_comparator_transplanted", "all")),
]


def calibration(patients: pd.DataFrame, t1: pd.DataFrame, oe: pd.DataFrame, flow: pd.DataFrame,
                uni: pd.DataFrame) -> pd.DataFrame:
    """Each calibration target of the spec beside the value the registry gives."""
    rows = []
    az = oe[oe["cohort"] == AZAVEN]
    for section, metric, unit, target, target_n, kind, spec in CALIBRATION_TARGETS:
        obs, obs_n, note = np.nan, None, None
        if kind in ("t1", "t1pct", "t1stat"):
            sub = t1[(t1["variable"] == spec[0])]
            if kind == "t1stat":
                obs = float(sub[spec[1]].iloc[0]) if len(sub) else np.nan
            else:
                hit = sub[sub["level"].astype(str) == spec[1]]
                if len(hit):
                    obs_n = int(hit["n_known"].iloc[0])
                    obs = float(hit["pct"].iloc[0]) if kind == "t1pct" else int(hit["n"].iloc[0])
                else:
                    obs_n = int(sub["n_known"].max()) if len(sub) else 0
                    obs = np.nan if kind == "t1pct" or not obs_n else 0
        elif kind == "fu":
            hit = az[az["statistic"] == "median_followup"]
            obs = float(hit["estimate"].iloc[0]) if len(hit) else np.nan
        elif kind == "est":
            hit = az[(az["endpoint"] == spec[0]) & az["statistic"].isin(
                ["survival", "cumulative_incidence"])]
            hit = hit.iloc[[int(np.argmin(np.abs(hit["time_months"].to_numpy()
                                                 - (spec[1] / MONTH_DAYS if spec[1] == DAY100
                                                    else spec[1]))))]] if len(hit) else hit
            obs = 100.0 * float(hit["estimate"].iloc[0]) if len(hit) else np.nan
        elif kind == "hr":
            hit = uni[(uni["endpoint"] == "OS") & (uni["variable"] == "c1_response")
                      & uni["hr_term"].astype(str).str.startswith("No response")]
            obs = float(hit["hr"].iloc[0]) if len(hit) else np.nan
        elif kind == "flow":
            hit = flow[(flow["step"] == spec[0]) & (flow["setting"] == spec[1])]
            obs = int(hit["n"].iloc[0]) if len(hit) else 0
            if target_n and len(hit):
                obs_n = hit["denominator"].iloc[0]
        elif kind == "centres":
            obs = int(patients.loc[patients["cohort"].isin([AZAVEN, "azaven_frontline"]),
                                   "centre_id"].nunique())
        if obs is None or (isinstance(obs, float) and np.isnan(obs)):
            note = "not available in this snapshot"
        rows.append({"section": section, "metric": metric, "unit": unit, "target": float(target),
                     "target_n": target_n, "observed": float(obs) if obs is not None else np.nan,
                     "observed_n": obs_n,
                     "target_pct": _pct(target, target_n) if target_n else
                     (float(target) if unit == "percent" else np.nan),
                     "observed_pct": float(obs) if unit == "percent" else
                     (_pct(obs, obs_n) if obs_n else np.nan), "note": note})
    return _frame(rows, "calibration")


# ----------------------------------------------------------------------------- entry point
def build_outcome_tables(patients: pd.DataFrame, endpoints: pd.DataFrame,
                         snapshot: dict) -> dict[str, pd.DataFrame]:
    """All `outcomes.<name>` tables of the standard report (study: Bone Marrow Transplantation
    2026; estimators of survival_stats matching R survival/cmprsk); each stamped with
    ``refresh_id`` and ``code_version``."""
    flow = cohort_flow(patients)
    t_az, t_ic = table1(patients, AZAVEN), table1(patients, IC)
    oe = outcome_estimates(endpoints)
    af = analysis_frame(patients, endpoints, AZAVEN)
    uni = univariate(af)
    balance, arms = match_arms(patients)
    keys = arms[["patient_key", "arm"]]
    m_ep = endpoints.merge(keys, on="patient_key", how="inner")
    cv, nr = curves(af, m_ep)
    tables = {
        "snapshot": snapshot_table(snapshot),
        "cohort_flow": flow,
        "table1_azaven": t_az,
        "table1_ic": _frame(t_ic, "table1_ic"),
        "table1_comparison": table1_comparison(patients, t_az, t_ic),
        "outcome_estimates": oe,
        "univariate": uni,
        "multivariable": multivariable(af, uni),
        "three_group_model": three_group_model(af),
        "matched_balance": _frame(balance, "matched_balance"),
        "matched_outcomes": matched_outcomes(endpoints, keys),
        "calibration": calibration(patients, t_az, oe, flow, uni),
        "curves": cv,
        "number_at_risk": nr,
    }
    return {k: _stamp(v, snapshot) for k, v in tables.items()}
