"""Variable definitions of the standard outcome report (Bone Marrow Transplantation 2026 study).

Table 1 rows, the candidate variables of the univariate screen (with their reference levels)
and the matching covariates, derived from `analysis.patients` without per-row Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

AZAVEN = "azaven_rr"
IC = "ic_comparator"
MONTH_DAYS = 30.4375
C1_YES = "CR/CRh/CRi/MLFS at end of C1"
C1_NO = "No response"


@dataclass(frozen=True)
class Table1Var:
    """One Table 1 variable: continuous (median (range)) or categorical (n/N (%)).

    ``missing_levels`` count as missing; ``excluded_levels`` leave the denominator without
    being missing (e.g. MRD ``not_applicable`` for patients refractory at HSCT).
    """

    name: str
    label: str
    continuous: bool = False
    levels: tuple = ()
    missing_levels: tuple = ()
    excluded_levels: tuple = ()


TABLE1_VARS: list[Table1Var] = [
    Table1Var("age_at_hsct", "Age at HSCT, years", continuous=True),
    Table1Var("sex", "Sex", levels=("female", "male")),
    Table1Var("aml_type", "AML type"),
    Table1Var("salvage_setting", "Salvage setting",
              levels=("post_ic", "post_hma", "molecular_relapse")),
    Table1Var("eln2022", "ELN 2022", levels=("favorable", "intermediate", "adverse"),
              missing_levels=("unknown",)),
    Table1Var("eln2024", "ELN 2024", levels=("favorable", "intermediate", "adverse"),
              missing_levels=("unknown",)),
    Table1Var("adverse_cytogenetics", "Adverse cytogenetics (ELN 2022)", levels=(True, False)),
    Table1Var("complex_karyotype", "Complex karyotype", levels=(True, False)),
    Table1Var("lines_before_salvage", "Treatment lines before salvage"),
    Table1Var("status_before_salvage", "Status before salvage",
              levels=("refractory", "relapse", "molecular_relapse")),
    Table1Var("salvage_cycles", "Salvage cycles", continuous=True),
    Table1Var("c1_response", "CRc at end of cycle 1", levels=(True, False)),
    Table1Var("response_timing", "Response timing", levels=("early", "late", "none")),
    Table1Var("pre_hsct_status", "Status at HSCT", levels=("CRc", "refractory")),
    Table1Var("mrd_pre_hsct", "Pre-HSCT MRD (responders)",
              levels=("negative", "positive", "not_done"), excluded_levels=("not_applicable",)),
    Table1Var("donor_type", "Donor", levels=("MSD", "MUD", "MMUD", "haplo", "cord",
                                             "matched_related_other")),
    Table1Var("hct_ci_group", "HCT-CI", levels=("0", "1", "2", ">=3")),
    Table1Var("conditioning_intensity", "Conditioning intensity",
              levels=("MAC", "RIC", "NMA", "sequential")),
    Table1Var("gvhd_prophylaxis", "GVHD prophylaxis"),
    Table1Var("stem_cell_source", "Stem cell source", levels=("PB", "BM", "CB")),
    Table1Var("cmv_pair", "CMV donor/recipient", levels=("D-/R-", "D-/R+", "D+/R-", "D+/R+")),
]


@dataclass(frozen=True)
class Candidate:
    """A candidate prognostic variable of the univariate screen (study's Table 2)."""

    name: str
    label: str
    continuous: bool = False
    reference: object = None
    levels: tuple = field(default=())
    screen: bool = True  # part of the multivariable screen


CANDIDATES: list[Candidate] = [
    Candidate("age_per_10y", "Age at HSCT (per 10 years)", continuous=True),
    Candidate("age_group", "Age at HSCT (vs median)", reference="< median",
              levels=("< median", ">= median"), screen=False),
    Candidate("sex", "Sex", reference="female", levels=("female", "male")),
    Candidate("eln2022_adverse", "ELN 2022 adverse", reference="not adverse",
              levels=("not adverse", "adverse")),
    Candidate("eln2024", "ELN 2024", reference="favorable",
              levels=("favorable", "intermediate", "adverse")),
    Candidate("adverse_cytogenetics", "Adverse cytogenetics", reference="no", levels=("no", "yes")),
    Candidate("complex_karyotype", "Complex karyotype", reference="no", levels=("no", "yes")),
    Candidate("salvage_setting", "Salvage setting", reference="post_ic",
              levels=("post_ic", "post_hma", "molecular_relapse")),
    Candidate("status_before_salvage", "Status before salvage", reference="relapse",
              levels=("relapse", "refractory", "molecular_relapse")),
    Candidate("lines_before_salvage", "Lines before salvage", reference="1", levels=("1", ">=2")),
    Candidate("c1_response", "Response at end of C1", reference=C1_YES, levels=(C1_YES, C1_NO)),
    Candidate("response_timing", "Response timing", reference="early",
              levels=("early", "late", "none")),
    Candidate("mrd", "Pre-HSCT MRD", reference="negative", levels=("negative", "positive")),
    Candidate("donor_type", "Donor type", reference="MUD",
              levels=("MUD", "MSD", "MMUD", "haplo", "cord", "matched_related_other")),
    Candidate("hct_ci_group", "HCT-CI", reference="0", levels=("0", "1", "2", ">=3")),
    Candidate("conditioning_intensity", "Conditioning intensity", reference="RIC",
              levels=("RIC", "MAC", "NMA", "sequential")),
    Candidate("in_vivo_tcd", "In-vivo T-cell depletion", reference="no", levels=("no", "yes")),
    Candidate("cmv_pair", "CMV donor/recipient", reference="D-/R-",
              levels=("D-/R-", "D-/R+", "D+/R-", "D+/R+")),
]

MATCH_COVARIATES = ["age_at_hsct", "sex", "pre_hsct_status", "mrd_pre_hsct", "donor_type",
                    "hct_ci_group", "conditioning_intensity"]


def _yes_no(s: pd.Series) -> pd.Series:
    b = s.astype("boolean")
    return pd.Series(np.where(b.isna(), None, np.where(b.fillna(False), "yes", "no")),
                     index=s.index, dtype=object)


def derive_candidates(p: pd.DataFrame) -> pd.DataFrame:
    """Analysis variables of the screen (text levels; None = missing), vectorised."""
    out = pd.DataFrame(index=p.index)
    age = pd.to_numeric(p["age_at_hsct"], errors="coerce").astype(float)
    out["age_per_10y"] = age / 10.0
    med = float(np.nanmedian(age)) if age.notna().any() else np.nan
    out["age_group"] = np.where(age.isna(), None, np.where(age >= med, ">= median", "< median"))
    out["sex"] = p["sex"].astype(object)
    eln = p["eln2022"].astype(object)
    out["eln2022_adverse"] = np.where(eln.isna() | (eln == "unknown"), None,
                                      np.where(eln == "adverse", "adverse", "not adverse"))
    e24 = p["eln2024"].astype(object)
    out["eln2024"] = e24.where(e24 != "unknown")
    out["adverse_cytogenetics"] = _yes_no(p["adverse_cytogenetics"])
    out["complex_karyotype"] = _yes_no(p["complex_karyotype"])
    out["salvage_setting"] = p["salvage_setting"].astype(object)
    out["status_before_salvage"] = p["status_before_salvage"].astype(object)
    lines = pd.to_numeric(p["lines_before_salvage"], errors="coerce").astype(float)
    out["lines_before_salvage"] = np.where(lines.isna(), None, np.where(lines >= 2, ">=2", "1"))
    c1 = p["c1_response"].astype("boolean")
    out["c1_response"] = np.where(c1.isna(), None, np.where(c1.fillna(False), C1_YES, C1_NO))
    out["response_timing"] = p["response_timing"].astype(object)
    mrd = p["mrd_pre_hsct"].astype(object)
    out["mrd"] = mrd.where(mrd.isin(["negative", "positive"]))
    out["donor_type"] = p["donor_type"].astype(object)
    out["hct_ci_group"] = p["hct_ci_group"].astype(object)
    out["conditioning_intensity"] = p["conditioning_intensity"].astype(object)
    out["in_vivo_tcd"] = _yes_no(p["in_vivo_tcd"])
    out["cmv_pair"] = p["cmv_pair"].astype(object)
    for c in out.columns:
        if c != "age_per_10y":
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


# ------------------------------------------------------------------ human labels for readers
#: Readable names of the analysis variables (Table 1 labels, screen labels, matching).
VARIABLE_LABELS: dict[str, str] = {
    **{v.name: v.label for v in TABLE1_VARS}, **{c.name: c.label for c in CANDIDATES},
    "mrd": "Pre-HSCT MRD", "pretransplant_risk_group": "Pretransplant risk group",
    "arm": "Arm", "age_at_hsct": "Age at HSCT, years", "mrd_pre_hsct": "Pre-HSCT MRD",
    "distance (PS)": "Propensity score",
}

#: Readable level names (code -> label) by variable; codes not listed are humanised.
LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male"},
    "salvage_setting": {"post_ic": "Post-IC", "post_hma": "Post-HMA",
                        "molecular_relapse": "Molecular relapse"},
    "aml_type": {"de_novo": "De novo", "secondary_mds": "Secondary to MDS",
                 "secondary_mpn": "Secondary to MPN", "therapy_related": "Therapy-related",
                 "secondary": "Secondary"},
    "response_timing": {"early": "CRc at end of C1", "late": "CRc after C1", "none": "No CRc"},
    "pretransplant_risk_group": {"early_mrd_negative": "Early responder, MRD-negative",
                                 "intermediate": "Intermediate",
                                 "late_mrd_positive": "Late responder, MRD-positive"},
    "mrd": {"negative": "MRD-negative", "positive": "MRD-positive"},
    "mrd_pre_hsct": {"negative": "Negative", "positive": "Positive", "not_done": "Not done",
                     "not_applicable": "Not applicable (refractory)"},
    "pre_hsct_status": {"CRc": "CRc", "refractory": "Refractory"},
    "donor_type": {"MSD": "Matched sibling (MSD)", "MUD": "Matched unrelated (MUD)",
                   "MMUD": "Mismatched unrelated (MMUD)", "haplo": "Haploidentical",
                   "cord": "Cord blood", "MRD-other": "Other matched related"},
    "conditioning_intensity": {"RIC": "Reduced intensity (RIC)", "MAC": "Myeloablative (MAC)",
                               "NMA": "Non-myeloablative (NMA)", "sequential": "Sequential"},
    "stem_cell_source": {"PB": "Peripheral blood", "BM": "Bone marrow", "CB": "Cord blood"},
    "status_before_salvage": {"refractory": "Refractory", "relapse": "Relapse",
                              "molecular_relapse": "Molecular relapse"},
    "arm": {"AZA/VEN": "AZA/VEN", "IC": "IC"},
}


def level_label(variable: str, level: object) -> str:
    """The reader's name of one level: the table above, yes/no for booleans, else the code
    with underscores as spaces, a capital first letter and >= as the sign."""
    if level is None or (isinstance(level, float) and np.isnan(level)):
        return "Unknown"
    if isinstance(level, bool | np.bool_):
        return "Yes" if level else "No"
    text = str(level)
    known = LEVEL_LABELS.get(variable, {}).get(text)
    if known is not None:
        return known
    if text in ("yes", "no", "True", "False"):
        return {"yes": "Yes", "no": "No", "True": "Yes", "False": "No"}[text]
    text = text.replace(">=", "≥").replace("<=", "≤").replace("_", " ")
    return text[:1].upper() + text[1:]


def variable_label(variable: str) -> str:
    """The reader's name of a variable (humanised code when not listed)."""
    return VARIABLE_LABELS.get(variable) or variable.replace("_", " ").capitalize()
