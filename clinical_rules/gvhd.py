"""Graft-versus-host disease after the first allograft.

Source: ../shared/spec/clinical-rules.md ("GVHD"): acute GVHD by modified Glucksberg
grade (Przepiorka et al., Bone Marrow Transplant 1995;15:825), chronic GVHD by NIH global
severity (Jagasia et al., BBMT 2015;21:389) or the legacy limited/extensive scale
(Shulman et al., Am J Med 1980;69:204); refined GRFS uses severe cGVHD.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from clinical_rules.response import date_text
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds

KEY = ["centre_id", "patient_id"]
ACUTE_GRADE: dict[str, int] = {
    "0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "I": 1, "II": 2, "III": 3, "IV": 4,
    "GRADE 1": 1, "GRADE 2": 2, "GRADE 3": 3, "GRADE 4": 4,
    "GRADE I": 1, "GRADE II": 2, "GRADE III": 3, "GRADE IV": 4,
}
NIH_SEVERITY = ("mild", "moderate", "severe")
LEGACY_SEVERITY = ("limited", "extensive")


def _per_unique(values: pd.Series, fn: Callable[[object], object]) -> np.ndarray:
    """Apply a text normaliser once per distinct value and broadcast (missing -> None)."""
    codes, uniques = pd.factorize(values.astype("object"))
    table = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return table[np.where(codes < 0, len(uniques), codes)]


def _acute_one(text: object) -> int | None:
    t = str(text).strip().upper()
    t = t[:-2] if t.endswith(".0") else t
    return ACUTE_GRADE.get(t)


def _chronic_one(text: object) -> str | None:
    t = str(text).strip().lower()
    return t if t in NIH_SEVERITY + LEGACY_SEVERITY else None


def acute_grade_number(grade: pd.Series) -> pd.Series:
    """Acute GVHD grade as an integer 0-4: "1".."4" and "I".."IV" both accepted (<NA> else).

    Rule: clinical-rules.md ("modified Glucksberg grade I-IV").
    """
    vals = _per_unique(grade, _acute_one)
    return pd.Series(pd.array(vals, dtype="Int64"), index=grade.index, name="agvhd_grade")


def chronic_severity(grade: pd.Series) -> pd.Series:
    """Chronic GVHD severity, lower-case NIH (mild/moderate/severe) or legacy
    (limited/extensive); None when not readable. Rule: clinical-rules.md ("GVHD")."""
    return pd.Series(_per_unique(grade, _chronic_one), index=grade.index, dtype="object")


def gvhd_after_first_allograft(
    gvhd: pd.DataFrame,
    first_hsct: pd.DataFrame,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> pd.DataFrame:
    """Per transplanted patient: acute and chronic GVHD endpoints after the first allograft.

    Rules (clinical-rules.md "GVHD"; outcomes.md endpoints):
    - acute GVHD counts only with onset 0..100 days after hsct_date (both inclusive):
      ``agvhd_max_grade`` (0 = none recorded), ``agvhd_2_4_date`` / ``agvhd_3_4_date``
      = first onset of grade >= II / >= III within that window.
    - chronic GVHD: ``cgvhd_date`` = first onset on or after hsct_date; ``cgvhd_severe_date``
      = first onset of NIH severe, or of extensive when the patient's chronic episodes
      are graded only on the legacy scale (a patient with any NIH grade uses NIH only).
    ``first_hsct``: centre_id, patient_id, hsct_date.
    """
    tx = first_hsct.loc[first_hsct["hsct_date"].notna(), [*KEY, "hsct_date"]]
    base = tx[KEY].reset_index(drop=True)
    g = gvhd[[*KEY, "kind", "onset_date", "grade"]].merge(tx, on=KEY, how="inner")
    g = g.loc[g["onset_date"].notna() & (g["onset_date"] >= g["hsct_date"])]
    day = (g["onset_date"] - g["hsct_date"]).dt.days

    acute = g.loc[g["kind"].eq("acute").to_numpy() & (day <= thresholds.agvhd_window_days)]
    acute = acute.assign(_g=acute_grade_number(acute["grade"]).astype("float64"))
    acute = acute.loc[acute["_g"].notna()]
    agg = acute.groupby(KEY, sort=False)["_g"].max().rename("agvhd_max_grade").reset_index()
    d24 = (acute.loc[acute["_g"] >= 2].groupby(KEY, sort=False)["onset_date"].min()
           .rename("agvhd_2_4_date").reset_index())
    d34 = (acute.loc[acute["_g"] >= 3].groupby(KEY, sort=False)["onset_date"].min()
           .rename("agvhd_3_4_date").reset_index())

    chronic = g.loc[g["kind"].eq("chronic").to_numpy()]
    sev = chronic_severity(chronic["grade"])
    nih_pat = chronic.assign(_nih=sev.isin(NIH_SEVERITY).to_numpy(dtype=bool))
    nih_pat = nih_pat.groupby(KEY, sort=False)["_nih"].transform("any")
    severe = sev.eq("severe") | (sev.eq("extensive") & ~nih_pat)
    cg = chronic.groupby(KEY, sort=False)["onset_date"].min().rename("cgvhd_date").reset_index()
    cs = (chronic.loc[severe.to_numpy(dtype=bool)].groupby(KEY, sort=False)["onset_date"].min()
          .rename("cgvhd_severe_date").reset_index())

    out = base
    for part in (agg, d24, d34, cg, cs):
        out = out.merge(part, on=KEY, how="left")
    out["agvhd_max_grade"] = out["agvhd_max_grade"].fillna(0).astype("Int64")
    for c in ("agvhd_2_4_date", "agvhd_3_4_date", "cgvhd_date", "cgvhd_severe_date"):
        out[c] = pd.to_datetime(out[c])
    return out


def gvhd_discrepancies(gvhd: pd.DataFrame, first_hsct: pd.DataFrame) -> pd.DataFrame:
    """Data-quality rows: GVHD onset before the first allograft, GVHD without a transplant,
    and grades that cannot be read (flagged rather than dropped silently).

    Rule: clinical-rules.md (every disagreement recorded for the data managers).
    """
    tx = first_hsct.loc[first_hsct["hsct_date"].notna(), [*KEY, "hsct_date"]]
    g = gvhd[[*KEY, "kind", "onset_date", "grade"]].merge(tx, on=KEY, how="left")
    acute_ok = acute_grade_number(g["grade"]).notna()
    chronic_ok = chronic_severity(g["grade"]).notna()
    kind = g["kind"].astype("object")
    unread = np.where(kind.eq("acute"), ~acute_ok.to_numpy(dtype=bool),
                      np.where(kind.eq("chronic"), ~chronic_ok.to_numpy(dtype=bool), True))
    no_tx = g["hsct_date"].isna().to_numpy()
    before = (~no_tx & (g["onset_date"] < g["hsct_date"]).fillna(False).to_numpy(dtype=bool))
    parts = []
    for mask, what in ((before, "before"), (no_tx, "no_tx"), (unread, "unread")):
        d = g.loc[mask]
        onset = date_text(d["onset_date"])
        if what == "before":
            reason = ("GVHD onset before the first allograft (" + onset + " < "
                      + date_text(d["hsct_date"]) + "); not counted")
        elif what == "no_tx":
            reason = "GVHD episode for a patient without an allograft (" + onset + ")"
        else:
            reason = "GVHD kind/grade not readable (" + onset + ")"
        parts.append(pd.DataFrame({
            "centre_id": d["centre_id"], "patient_id": d["patient_id"],
            "variable": "gvhd_" + d["kind"].astype(str), "reported": d["grade"].astype("object"),
            "derived": None, "reason": reason,
        }))
    return pd.concat(parts, ignore_index=True)
