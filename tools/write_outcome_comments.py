"""Regenerate sql/publish/outcome_comments.sql from outcome_report's table layout.

The outcome tables share column names with one meaning each; this script writes one
COMMENT ON statement per table and column so that meta.data_dictionary documents them.
Run: .venv/bin/python tools/write_outcome_comments.py
"""

from __future__ import annotations

from pathlib import Path

from outcome_report import SNAPSHOT_COLUMNS, TABLE_COLUMNS
from outcome_report.schema import ANALYSIS_COLUMNS

TABLES = {
    "snapshot": "The data snapshot the outcome tables were computed from: delivery per centre.",
    "cohort_flow": "Cohort flow: registry -> R/R salvage by setting -> CRc -> transplanted.",
    "table1_azaven": "Table 1: characteristics of transplanted AZA/VEN R/R patients.",
    "table1_ic": "Table 1: characteristics of transplanted IC-comparator patients.",
    "table1_comparison": "Table 1 comparison AZA/VEN vs IC with p-values.",
    "outcome_estimates": "OS, CIR, NRM, GRFS, cGVHD at 12/24 months, aGVHD at day 100, medians.",
    "univariate": "Univariate analyses (24-month estimates, log-rank/Gray, Cox HR) per variable.",
    "multivariable": "Multivariable Cox models of variables with p <= 0.05 (Table 2 form).",
    "three_group_model": "Pre-transplant three-group model: 2-year CIR per group and Gray's test.",
    "matched_balance": "1:1 propensity matching AZA/VEN vs IC: balance (standardised mean differences).",
    "matched_outcomes": "Matched comparison AZA/VEN vs IC: OS, CIR, NRM, GRFS per arm with tests.",
    "calibration": "Calibration targets of the synthetic registry beside the observed values.",
    "curves": "Every plotted step function of the report, for analysts to redraw.",
    "number_at_risk": "Numbers at risk under each figure.",
}
COLUMNS = {
    "n_known": "Denominator (patients with the variable known)", "arm": "Matched arm (AZA/VEN or IC)",
    "azaven": "AZA/VEN cohort value (n/N (%) or median (range))", "candidates": "Candidate variables screened",
    "centre_id": "Centre code", "cohort": "Cohort", "delivery_date": "Delivery (export date) used",
    "denominator": "Denominator of the percentage", "endpoint": "Endpoint (OS, CIR, NRM, GRFS, AGVHD_2_4, AGVHD_3_4, CGVHD, CGVHD_SEVERE)",
    "estimate": "Estimate (survival or cumulative incidence, 0-1)", "estimate_24m": "Estimate at 24 months",
    "figure": "Figure name", "generated_at": "When the tables were computed (UTC)", "gray_p": "Gray's test p-value (rho = 0)",
    "group": "Curve group", "hr": "Hazard ratio", "hr_95ci": "Hazard ratio with 95 % CI (text)", "hr_lower": "Lower 95 % limit of the HR",
    "hr_p": "Wald p-value of the HR", "hr_term": "Model term of the HR", "hr_upper": "Upper 95 % limit of the HR",
    "ic": "IC comparator value (n/N (%) or median (range))", "label": "Readable variable label", "level": "Level of the variable",
    "lower": "Lower 95 % confidence limit", "lower_24m": "Lower 95 % limit at 24 months", "max": "Maximum",
    "mean_control_after": "Mean in IC after matching", "mean_control_before": "Mean in IC before matching",
    "mean_treated_after": "Mean in AZA/VEN after matching", "mean_treated_before": "Mean in AZA/VEN before matching",
    "median": "Median", "method": "Statistical method", "metric": "Calibration metric", "min": "Minimum",
    "missing": "Patients with the variable missing", "missing_azaven": "Missing in AZA/VEN", "missing_ic": "Missing in IC",
    "model": "Model description", "n": "Number of patients", "n_control": "IC patients", "n_dropped_missing": "Rows dropped for missing covariates",
    "n_event": "Number of events", "n_events": "Number of events", "n_pairs": "Matched pairs", "n_risk": "Number at risk",
    "n_treated": "AZA/VEN patients", "note": "Note (e.g. why a value is missing)", "observed": "Value observed in the registry",
    "observed_n": "Denominator of the observed value", "observed_pct": "Observed percentage", "p": "p-value",
    "pct": "Percentage", "reference": "Reference level", "risk_group": "Three-group model group", "se": "Standard error (cmprsk variance for CIF)",
    "section": "Calibration section", "selected_variables": "Variables selected for the multivariable model (p <= 0.05)",
    "setting": "Salvage setting", "smd_after": "Standardised mean difference after matching", "smd_before": "Standardised mean difference before matching",
    "statistic": "Kind of estimate (survival, cumulative_incidence, median, median_followup)", "step": "Flow step",
    "step_order": "Order of the flow step", "target": "Published target value", "target_n": "Denominator of the target",
    "target_pct": "Target percentage", "test": "Test used", "test_p": "p-value of the test", "text": "Formatted text as in the report",
    "time_months": "Time in months (days / 30.4375)", "timepoint": "Time point (e.g. 12 months, day 100)", "unit": "Unit",
    "upper": "Upper 95 % confidence limit", "upper_24m": "Upper 95 % limit at 24 months", "variable": "Variable",
    "variable_p": "Joint Wald p-value of the variable", "refresh_id": "Refresh that computed the table",
    "code_version": "Code version that computed the table",
    "status": "Status of the centre's newest run (loaded, unchanged, failed)",
    "days_since_delivery": "Days from the current delivery to the report",
    "stale": "Current delivery older than the report's stale limit (AML_REGISTRY_STALE_DAYS)",
    "rows_quarantined": "Rows of the current delivery quarantined",
    "message": "Message of the centre's newest run (error names centre, file, row)",
    "n_censor": "Patients censored at this time (censor marks)",
    "pair_id": "Matched pair (1:1, AZA/VEN with IC)", "patient_key": "Pseudonymous patient key",
}
ANALYSIS_TABLES = {
    "matched_pairs": "Matched comparison AZA/VEN vs IC: one row per matched patient (pair_id, "
                     "arm); join analysis.endpoints on patient_key to redo the comparison.",
}


def main() -> None:
    def q(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    lines = ["-- Generated by tools/write_outcome_comments.py: the outcome tables' data dictionary."]
    for table, columns in TABLE_COLUMNS.items():
        lines.append(f"COMMENT ON TABLE outcomes.{table} IS {q(TABLES[table])};")
        for column in [*columns, *SNAPSHOT_COLUMNS]:
            lines.append(f'COMMENT ON COLUMN outcomes.{table}."{column}" IS {q(COLUMNS[column])};')
    for table, columns in ANALYSIS_COLUMNS.items():
        lines.append(f"COMMENT ON TABLE analysis.{table} IS {q(ANALYSIS_TABLES[table])};")
        for column in [*columns, *SNAPSHOT_COLUMNS]:
            lines.append(f'COMMENT ON COLUMN analysis.{table}."{column}" IS {q(COLUMNS[column])};')
    out = Path(__file__).resolve().parents[1] / "sql" / "publish" / "outcome_comments.sql"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
