"""1:1 propensity matching of transplanted AZA/VEN vs IC patients (study: Bone Marrow
Transplantation 2026; R MatchIt nearest/glm via survival_stats.propensity_match).

Up to ``EXACT_LIMIT`` treated x control pairs the registry's `survival_stats.propensity_match`
is used as is. Above it (hundreds of thousands of patients) the lean path keeps the same
propensity model (`logistic_propensity`), the same matching (`nearest_neighbour_pairs`,
O(n log n)) and the same balance table without building the matched data frame copies.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from outcome_report.variables import AZAVEN, IC, MATCH_COVARIATES
from survival_stats import propensity_match
from survival_stats.cox import design_matrix
from survival_stats.matching import (
    balance_table,
    logistic_propensity,
    nearest_neighbour_pairs,
)

EXACT_LIMIT = 4_000_000  # n_treated * n_control above which the lean path is used
ARM_LABELS = {1: "AZA/VEN", 0: "IC"}


def match_arms(patients: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Balance table and matched patients (patient_key, arm, pair_id) of AZA/VEN vs IC."""
    tx = patients["transplanted"].astype("boolean").fillna(False).to_numpy(bool)
    coh = patients["cohort"].astype(object).to_numpy()
    d = patients.loc[tx & np.isin(coh, [AZAVEN, IC]), ["patient_key", "cohort",
                                                       *MATCH_COVARIATES]].copy()
    d["treated"] = (d["cohort"] == AZAVEN).astype(int)
    d["age_at_hsct"] = pd.to_numeric(d["age_at_hsct"], errors="coerce").astype(float)
    for c in MATCH_COVARIATES[1:]:
        d[c] = d[c].astype(object).where(d[c].notna(), None)
    complete = d.dropna(subset=["treated", *MATCH_COVARIATES])
    # Covariates constant among complete cases carry no information (and break the glm).
    covs = [c for c in MATCH_COVARIATES if complete[c].nunique() > 1]
    n_t, n_c = int(complete["treated"].sum()), int((1 - complete["treated"]).sum())
    empty_arms = pd.DataFrame(columns=["patient_key", "arm", "pair_id"])
    info = {"n_treated": n_t, "n_control": n_c, "n_dropped_missing": len(d) - len(complete)}
    if n_t == 0 or n_c == 0:
        note = "an arm has no complete transplanted patients: no matching"
        return pd.DataFrame([{**info, "n_pairs": 0, "method": "none", "note": note}]), empty_arms
    note = None
    dropped = sorted(set(MATCH_COVARIATES) - set(covs))
    if dropped:
        note = f"constant covariates left out: {', '.join(dropped)}"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if n_t * n_c <= EXACT_LIMIT:
            method = "survival_stats.propensity_match (MatchIt nearest, glm)"
            res = propensity_match(complete, "treated", covs) if covs else None
            if res is None:
                pairs = nearest_neighbour_pairs(np.full(len(complete), 0.5),
                                                complete["treated"].to_numpy(bool))
                matched_idx = [complete.index[k] for p in pairs for k in p[:2]]
                pair_ids = [k for k, _ in enumerate(pairs) for _ in range(2)]
                bal = pd.DataFrame()
            else:
                matched_idx, pair_ids = list(res.matched.index), list(res.matched["pair_id"])
                bal = res.balance
        else:
            method = "survival_stats.nearest_neighbour_pairs (MatchIt nearest, glm), lean path"
            X, info_terms = design_matrix(complete, covs)
            treated = complete["treated"].to_numpy()
            ps = logistic_propensity(X.to_numpy(dtype=float), treated)
            pairs = nearest_neighbour_pairs(ps, treated.astype(bool))
            mask = np.zeros(len(complete), bool)
            pid = np.full(len(complete), -1)
            for k, (i, j, _) in enumerate(pairs):
                mask[[i, j]] = True
                pid[[i, j]] = k
            labels = {t: (f"{v}: {lv}" if lv else v) for t, v, lv in info_terms}
            Xb = X.rename(columns=labels)
            Xb.insert(0, "distance (PS)", ps)
            binary = [False] + [bool(lv) or set(np.unique(X[t])) <= {0.0, 1.0}
                                for t, _, lv in info_terms]
            bal = balance_table(Xb, treated, mask, binary)
            matched_idx = list(complete.index[mask])
            pair_ids = list(pid[mask])
    arms = pd.DataFrame({"patient_key": complete.loc[matched_idx, "patient_key"].to_numpy(),
                         "arm": complete.loc[matched_idx, "treated"].map(ARM_LABELS).to_numpy(),
                         "pair_id": pair_ids})
    n_pairs = len(arms) // 2
    if bal.empty:
        bal = pd.DataFrame([{"variable": None}])
    for k, v in {**info, "n_pairs": n_pairs, "method": method, "note": note}.items():
        bal[k] = v
    return bal, arms
