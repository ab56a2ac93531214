"""Names, layouts and shared helpers of the outcome tables (`outcomes.<name>`).

Layout follows the reference study (AZA/VEN salvage then allogeneic HSCT in R/R AML, Bone
Marrow Transplantation 2026): which figure is which study panel, and every table's columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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

#: The study's panel of each figure (Fig. 1 a-f: subgroups; Fig. 2 a-d: matched comparison).
PANELS: dict[str, str] = {
    "os_by_salvage_setting": "Fig. 1a", "os_by_mrd": "Fig. 1b",
    "cir_by_response_timing": "Fig. 1c", "cir_by_mrd": "Fig. 1d", "cir_by_risk_group": "Fig. 1e",
    "grfs_by_mrd": "Fig. 1f", "nrm_overall": "Supplementary Fig. 2", "matched_os": "Fig. 2a",
    "matched_cir": "Fig. 2b", "matched_nrm": "Fig. 2c", "matched_grfs": "Fig. 2d",
}

TABLE_COLUMNS: dict[str, list[str]] = {
    "snapshot": ["centre_id", "delivery_date", "status", "days_since_delivery", "stale",
                 "rows_quarantined", "message", "generated_at"],
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
               "n_risk", "n_censor", "test", "test_p"],
    "number_at_risk": ["figure", "group", "time_months", "n_risk"],
}
SNAPSHOT_COLUMNS = ["refresh_id", "code_version"]
#: Tables of the analysis layer the outcome step writes: `analysis.matched_pairs`, the matched
#: comparison's pairs (sql/outcomes/create_matched_pairs.sql).
ANALYSIS_COLUMNS: dict[str, list[str]] = {"matched_pairs": ["pair_id", "patient_key", "arm"]}


def frame(rows: list[dict] | pd.DataFrame, name: str) -> pd.DataFrame:
    """``rows`` as a frame with exactly the documented columns of table ``name``."""
    cols = TABLE_COLUMNS.get(name) or ANALYSIS_COLUMNS[name]
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return df[cols].reset_index(drop=True)


def stamp(df: pd.DataFrame, snapshot: dict) -> pd.DataFrame:
    df = df.copy()
    df["refresh_id"] = snapshot.get("refresh_id")
    df["code_version"] = snapshot.get("code_version")
    return df


def pct(n: float, d: float) -> float:
    return 100.0 * n / d if d else np.nan


def nfmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"

