"""The standard outcome report's tables (`outcomes.<name>`), built from the analysis layer.

Layout follows the reference study (AZA/VEN salvage then allogeneic HSCT in R/R AML, Bone
Marrow Transplantation 2026); every statistic comes from `survival_stats` (R survival/cmprsk).
"""

from __future__ import annotations

import pandas as pd

from outcome_report.calibration import calibration
from outcome_report.curves import curves
from outcome_report.matching import match_arms
from outcome_report.models import (
    analysis_frame,
    matched_outcomes,
    multivariable,
    outcome_estimates,
    selected_variables,
    three_group_model,
    univariate,
)
from outcome_report.schema import FIGURES, SNAPSHOT_COLUMNS, TABLE_COLUMNS, frame, stamp
from outcome_report.settings import ReportSettings
from outcome_report.table1 import cohort_flow, snapshot_table, table1, table1_comparison
from outcome_report.variables import AZAVEN, CANDIDATES, IC

__all__ = ["CANDIDATES", "FIGURES", "SNAPSHOT_COLUMNS", "TABLE_COLUMNS", "analysis_frame",
           "build_outcome_tables", "selected_variables"]


# ----------------------------------------------------------------------------- entry point
def build_outcome_tables(patients: pd.DataFrame, endpoints: pd.DataFrame, snapshot: dict,
                         settings: ReportSettings | None = None) -> dict[str, pd.DataFrame]:
    """All `outcomes.<name>` tables of the standard report (study: Bone Marrow Transplantation
    2026; estimators of survival_stats matching R survival/cmprsk), plus ``matched_pairs``
    (for `analysis.matched_pairs`); each stamped with ``refresh_id`` and ``code_version``."""
    settings = settings or ReportSettings.from_env()
    flow = cohort_flow(patients)
    t_az, t_ic = table1(patients, AZAVEN), table1(patients, IC)
    oe = outcome_estimates(endpoints)
    af = analysis_frame(patients, endpoints, AZAVEN)
    uni = univariate(af)
    balance, arms = match_arms(patients, settings.matching)
    keys = arms[["patient_key", "arm"]]
    m_ep = endpoints.merge(keys, on="patient_key", how="inner")
    cv, nr = curves(af, m_ep)
    tables = {
        "snapshot": snapshot_table(snapshot, settings.stale_after_days),
        "cohort_flow": flow,
        "table1_azaven": t_az,
        "table1_ic": frame(t_ic, "table1_ic"),
        "table1_comparison": table1_comparison(patients, t_az, t_ic),
        "outcome_estimates": oe,
        "univariate": uni,
        "multivariable": multivariable(af, uni),
        "three_group_model": three_group_model(af),
        "matched_balance": frame(balance, "matched_balance"),
        "matched_outcomes": matched_outcomes(endpoints, keys),
        "calibration": calibration(patients, t_az, oe, flow, uni),
        "curves": cv,
        "number_at_risk": nr,
        "matched_pairs": frame(arms, "matched_pairs"),
    }
    return {k: stamp(v, snapshot) for k, v in tables.items()}
