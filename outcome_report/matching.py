"""1:1 pair-matching of transplanted AZA/VEN vs IC patients (study: Bone Marrow Transplantation
2026): exact on the study's categorical matching variables, nearest age within a caliper.

The pieces are survival_stats's MatchIt-agreeing ones (`nearest_neighbour_pairs`,
`balance_table`, `logistic_propensity`); the R equivalent of the design is
``MatchIt::matchit(treated ~ age + sex + ..., distance = d$age, exact = ~ sex + status +
mrd + donor + hct_ci + conditioning, caliper = 10, std.caliper = FALSE, m.order = "largest")``
(greedy nearest neighbour without replacement, oldest treated patient first). The balance
table is MatchIt's ``summary()`` (SMD with the treated SD, before and after), with the
propensity score of a logistic model on all matching variables as its first row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from outcome_report.variables import AZAVEN, IC, MATCH_COVARIATES
from survival_stats.cox import design_matrix
from survival_stats.matching import balance_table, logistic_propensity, nearest_neighbour_pairs

ARM_LABELS = {1: "AZA/VEN", 0: "IC"}
#: SMD above which a variable is called imbalanced (Austin 2009, Stat Med 28:3083).
SMD_THRESHOLD = 0.1


@dataclass(frozen=True)
class MatchingDesign:
    """Exact-matching variables and the age caliper (years) of the pair matching."""

    exact: tuple[str, ...] = ("sex", "pre_hsct_status", "mrd_pre_hsct", "donor_type",
                              "hct_ci_group", "conditioning_intensity")
    age: str = "age_at_hsct"
    age_caliper_years: float = 10.0

    def describe(self) -> str:
        return (f"1:1 without replacement, exact on {len(self.exact)} categorical variables, "
                f"nearest age within {self.age_caliper_years:g} years")


DEFAULT_DESIGN = MatchingDesign()


def _empty(info: dict, note: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    arms = pd.DataFrame(columns=["pair_id", "patient_key", "arm"])
    return pd.DataFrame([{**info, "n_pairs": 0, "method": "none", "note": note}]), arms


def match_arms(patients: pd.DataFrame, design: MatchingDesign = DEFAULT_DESIGN
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Balance table (one row per variable/level, SMD before and after) and the matched
    patients (pair_id, patient_key, arm) of AZA/VEN vs IC transplanted patients."""
    tx = patients["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    coh = patients["cohort"].astype(object).to_numpy()
    cols = list(dict.fromkeys([*MATCH_COVARIATES, design.age, *design.exact]))
    d = patients.loc[tx & np.isin(coh, [AZAVEN, IC]), ["patient_key", "cohort", *cols]].copy()
    d["treated"] = (d["cohort"] == AZAVEN).astype(int)
    d[design.age] = pd.to_numeric(d[design.age], errors="coerce").astype(float)
    for c in cols:
        if c != design.age:
            d[c] = d[c].astype(object).where(d[c].notna(), None)
    complete = d.dropna(subset=cols).reset_index(drop=True)
    n_t, n_c = int(complete["treated"].sum()), int((1 - complete["treated"]).sum())
    info = {"n_treated": n_t, "n_control": n_c, "n_dropped_missing": len(d) - len(complete)}
    if n_t == 0 or n_c == 0:
        return _empty(info, "an arm has no transplanted patient with every matching variable "
                            "known: no matching")
    treated = complete["treated"].to_numpy(bool)
    strata = pd.factorize(complete[list(design.exact)].astype(str).agg("|".join, axis=1))[0]
    age = complete[design.age].to_numpy(float)
    pairs = nearest_neighbour_pairs(age, treated, strata, design.age_caliper_years)
    mask = np.zeros(len(complete), bool)
    pair_id = np.full(len(complete), -1)
    for k, (i, j, _) in enumerate(pairs):
        mask[[i, j]] = True
        pair_id[[i, j]] = k + 1
    # Balance over every matching variable (constant ones carry no information).
    covs = [c for c in MATCH_COVARIATES if complete[c].nunique() > 1]
    X, terms = design_matrix(complete, covs) if covs else (pd.DataFrame(index=complete.index),
                                                           [])
    labels = {t: (f"{v}: {lv}" if lv else v) for t, v, lv in terms}
    Xb = X.rename(columns=labels)
    binary = [bool(lv) or set(np.unique(X[t])) <= {0.0, 1.0} for t, _, lv in terms]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            ps = logistic_propensity(X.to_numpy(dtype=float), treated.astype(int))
            Xb.insert(0, "distance (PS)", ps)
            binary = [False, *binary]
        except (ValueError, np.linalg.LinAlgError):
            pass
        bal = balance_table(Xb, treated, mask, binary) if Xb.shape[1] else pd.DataFrame(
            [{"variable": None}])
    order = np.argsort(pair_id[mask] * 2 + (~treated[mask]).astype(int), kind="stable")
    arms = pd.DataFrame({"pair_id": pair_id[mask],
                         "patient_key": complete.loc[mask, "patient_key"].to_numpy(),
                         "arm": np.where(treated[mask], ARM_LABELS[1], ARM_LABELS[0])}
                        ).iloc[order].reset_index(drop=True)
    n_pairs = len(pairs)
    gaps = np.array([abs(age[i] - age[j]) for i, j, _ in pairs])
    notes = []
    if n_pairs < n_t:
        notes.append(f"{n_t - n_pairs} of {n_t} AZA/VEN patients have no IC patient with the "
                     f"same {', '.join(design.exact)} within {design.age_caliper_years:g} "
                     f"years of age: they are not in the matched comparison")
    dropped = sorted(set(MATCH_COVARIATES) - set(covs))
    if dropped:
        notes.append(f"constant among complete cases, left out of the balance table: "
                     f"{', '.join(dropped)}")
    if n_pairs:
        notes.append(f"largest age difference within a pair {gaps.max():.1f} years")
    for k, v in {**info, "n_pairs": n_pairs,
                 "method": f"{design.describe()} (survival_stats.nearest_neighbour_pairs, "
                           f"MatchIt nearest)",
                 "note": "; ".join(notes) or None}.items():
        bal[k] = v
    return bal, arms


def imbalanced(balance: pd.DataFrame, threshold: float = SMD_THRESHOLD) -> pd.DataFrame:
    """Rows of the balance table whose |SMD| after matching exceeds ``threshold``."""
    if "smd_after" not in balance.columns:
        return balance.iloc[:0]
    smd = pd.to_numeric(balance["smd_after"], errors="coerce")
    return balance[smd.abs() > threshold]
