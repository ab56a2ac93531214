"""Cohort flow and Table 1 (characteristics of transplanted patients) as stored tables.

Study: Bone Marrow Transplantation 2026 (Supplementary Fig. 1 flow, Table 1); group tests by
survival_stats (Mann-Whitney as R wilcox.test, chi-square/Fisher as chisq.test/fisher.test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import survival_stats as ss
from outcome_report.schema import frame, nfmt, pct
from outcome_report.variables import AZAVEN, IC, TABLE1_VARS, Table1Var


# ----------------------------------------------------------------------------- snapshot / flow
def snapshot_table(snapshot: dict, stale_after_days: int = 180) -> pd.DataFrame:
    """The data snapshot per centre: current delivery, status of its last run (loaded,
    unchanged, failed), days from the delivery to this report, whether that is more than
    ``stale_after_days`` (stale), and the current delivery's quarantined rows.

    ``snapshot["centres"]`` (list of dicts: centre_id, delivery, status, message,
    rows_quarantined) comes from `meta.centre_runs`/`quarantine.rows`; without it every centre
    of ``snapshot["deliveries"]`` counts as included.
    """
    generated = pd.to_datetime(snapshot.get("generated_at"), errors="coerce", utc=True)
    generated = generated.tz_localize(None) if pd.notna(generated) else generated
    info = {c["centre_id"]: c for c in snapshot.get("centres") or []}
    deliveries = dict(snapshot.get("deliveries") or {})
    for cid, c in info.items():
        deliveries.setdefault(cid, c.get("delivery"))
    rows = []
    for cid in sorted(deliveries):
        c = info.get(cid, {})
        delivered = pd.to_datetime(deliveries[cid], errors="coerce")
        age = (int((generated.normalize() - delivered.normalize()).days)
               if pd.notna(generated) and pd.notna(delivered) else None)
        rows.append({"centre_id": cid,
                     "delivery_date": None if pd.isna(delivered) else str(delivered.date()),
                     "status": c.get("status") or "included", "days_since_delivery": age,
                     "stale": bool(age is not None and age > stale_after_days),
                     "rows_quarantined": int(c.get("rows_quarantined") or 0),
                     "message": c.get("message"), "generated_at": snapshot.get("generated_at")})
    return frame(rows, "snapshot")


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
        r["pct"] = pct(r["n"], d) if d is not None else np.nan
        r["text"] = f"{r['n']}/{d} ({r['pct']:.1f}%)" if d else str(r["n"])
        r["note"] = "denominator is zero" if d == 0 else None
    return frame(rows, "cohort_flow")


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
                 "text": f"{nfmt(round(med, 1))} ({lo:.0f}-{hi:.0f})", "missing": miss,
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
        share = pct(n, N)
        rows.append({**base, "level": label, "n": n, "n_known": N, "pct": share,
                     "text": f"{n}/{N} ({share:.1f}%)" if N else f"{n}/0", "missing": miss,
                     "note": note if N else "no values"})
    if not rows:
        rows.append({**base, "level": None, "n": 0, "n_known": 0, "missing": miss, "note": "no values"})
    return rows


def table1(patients: pd.DataFrame, cohort: str) -> pd.DataFrame:
    """Characteristics of transplanted patients of one cohort: n/N (%), median (range)."""
    tx = patients["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    df = patients[(patients["cohort"].astype(object) == cohort).to_numpy() & tx]
    rows = [r for v in TABLE1_VARS for r in _table1_var(df, v, cohort)]
    out = frame(rows, "table1_azaven")
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
    return frame(rows, "table1_comparison")


