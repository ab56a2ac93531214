"""Outcome estimates, the univariate screen, the multivariable models (Table 2) and the
matched comparison's outcomes (study: Bone Marrow Transplantation 2026; survival_stats
estimators agree with R survival/cmprsk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import survival_stats as ss
from outcome_report import estimates as est
from outcome_report.schema import (
    AGVHD_ENDPOINTS,
    ALPHA,
    DAY100,
    ESTIMATE_ENDPOINTS,
    MATCHED_ENDPOINTS,
    MULTIVARIABLE_ENDPOINTS,
    RISK_LEVELS,
    SCREEN_ENDPOINTS,
    TIMES,
    frame,
)
from outcome_report.variables import AZAVEN, CANDIDATES, IC, MONTH_DAYS, derive_candidates


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
    out = frame(rows, "outcome_estimates")
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
    out = frame(rows, "univariate")
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
    return frame(rows, "multivariable")


def three_group_model(af: pd.DataFrame) -> pd.DataFrame:
    """2-year CIR per pretransplant risk group with Gray's test (rho = 0)."""
    d = af[(af["endpoint"] == "CIR") & af["pretransplant_risk_group"].notna()]
    if d.empty:
        return frame([{"risk_group": lv, "n": 0, "note": "no patients"} for lv in RISK_LEVELS],
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
    return frame(rows, "three_group_model")


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
    return frame(rows, "matched_outcomes")


