"""The outcome tables of the report (``outcomes.*``) and the matched pairs, as the registry declares them.

Source: ../shared/spec/outcomes.md (the study's tables and figures) and
``outcome_report.schema.TABLE_COLUMNS`` (the layout the statistics write; a test checks that
the two agree). Every column name has one meaning in every outcome table, so each is
declared once (``OUTCOME_COLUMNS``) and a table lists the names it holds.
"""

from __future__ import annotations

from schemas.registry.model import Column, Table, TableCheck, col, same_columns
from schemas.registry.shared import CENTRE_ID, PATIENT_KEY

#: one entry per outcome column name: the same name means the same thing in every table
OUTCOME_COLUMNS: dict[str, Column] = {c.name: c for c in (
    col("arm", "text", "Matched arm (AZA/VEN or IC)"),
    col("azaven", "text", "AZA/VEN cohort value (n/N (%) or median (range))"),
    col("candidates", "text", "Candidate variables screened"),
    CENTRE_ID,
    col("code_version", "text", "Code version that computed the table"),
    col("cohort", "text", "Cohort"),
    col("days_since_delivery", "int", "Days from the current delivery to the report", unit="days"),
    col("delivery_date", "text", "Delivery (export date) used"),
    col("denominator", "number", "Denominator of the percentage"),
    col("endpoint", "text",
        "Endpoint (OS, CIR, NRM, GRFS, AGVHD_2_4, AGVHD_3_4, CGVHD, CGVHD_SEVERE)"),
    col("estimate", "number", "Estimate (survival or cumulative incidence, 0-1)"),
    col("estimate_24m", "number", "Estimate at 24 months"),
    col("figure", "text", "Figure name"),
    col("generated_at", "text", "When the tables were computed (UTC)"),
    col("gray_p", "number", "Gray's test p-value (rho = 0)"),
    col("group", "text", "Curve group"),
    col("hr", "number", "Hazard ratio"),
    col("hr_95ci", "text", "Hazard ratio with 95 % CI (text)"),
    col("hr_lower", "number", "Lower 95 % limit of the HR"),
    col("hr_p", "number", "Wald p-value of the HR"),
    col("hr_term", "text", "Model term of the HR"),
    col("hr_upper", "number", "Upper 95 % limit of the HR"),
    col("ic", "text", "IC comparator value (n/N (%) or median (range))"),
    col("label", "text", "Readable variable label"),
    col("level", "text", "Level of the variable"),
    col("lower", "number", "Lower 95 % confidence limit"),
    col("lower_24m", "number", "Lower 95 % limit at 24 months"),
    col("max", "number", "Maximum"),
    col("mean_control_after", "number", "Mean in IC after matching"),
    col("mean_control_before", "number", "Mean in IC before matching"),
    col("mean_treated_after", "number", "Mean in AZA/VEN after matching"),
    col("mean_treated_before", "number", "Mean in AZA/VEN before matching"),
    col("median", "number", "Median"),
    col("message", "text", "Message of the centre's newest run (error names centre, file, row)"),
    col("method", "text", "Statistical method"),
    col("metric", "text", "Calibration metric"),
    col("min", "number", "Minimum"),
    col("missing", "int", "Patients with the variable missing"),
    col("missing_azaven", "number", "Missing in AZA/VEN"),
    col("missing_ic", "int", "Missing in IC"),
    col("model", "text", "Model description"),
    col("n", "number", "Number of patients"),
    col("n_censor", "int", "Patients censored at this time (censor marks)"),
    col("n_control", "int", "IC patients"),
    col("n_dropped_missing", "int", "Rows dropped for missing covariates"),
    col("n_event", "int", "Number of events"),
    col("n_events", "int", "Number of events"),
    col("n_known", "int", "Denominator (patients with the variable known)"),
    col("n_pairs", "int", "Matched pairs"),
    col("n_risk", "number", "Number at risk"),
    col("n_treated", "int", "AZA/VEN patients"),
    col("note", "text", "Note (e.g. why a value is missing)"),
    col("observed", "number", "Value observed in the registry"),
    col("observed_n", "number", "Denominator of the observed value"),
    col("observed_pct", "number", "Observed percentage", unit="%"),
    col("p", "number", "p-value"),
    col("pair_id", "int", "Matched pair (1:1, AZA/VEN with IC)"),
    PATIENT_KEY,
    col("pct", "number", "Percentage"),
    col("reference", "text", "Reference level"),
    col("refresh_id", "text", "Refresh that computed the table"),
    col("risk_group", "text", "Three-group model group"),
    col("rows_quarantined", "int", "Rows of the current delivery quarantined"),
    col("se", "number", "Standard error (cmprsk variance for CIF)"),
    col("section", "text", "Calibration section"),
    col("selected_variables", "text",
        "Variables selected for the multivariable model (p <= 0.05)"),
    col("setting", "text", "Salvage setting"),
    col("smd_after", "number", "Standardised mean difference after matching"),
    col("smd_before", "number", "Standardised mean difference before matching"),
    col("stale", "bool",
        "Current delivery older than the report's stale limit (AML_REGISTRY_STALE_DAYS)"),
    col("statistic", "text",
        "Kind of estimate (survival, cumulative_incidence, median, median_followup)"),
    col("status", "text", "Status of the centre's newest run (loaded, unchanged, failed)"),
    col("step", "text", "Flow step"),
    col("step_order", "int", "Order of the flow step"),
    col("target", "number", "Published target value"),
    col("target_n", "number", "Denominator of the target"),
    col("target_pct", "number", "Target percentage", unit="%"),
    col("test", "text", "Test used"),
    col("test_p", "number", "p-value of the test"),
    col("text", "text", "Formatted text as in the report"),
    col("time_months", "number", "Time in months (days / 30.4375)", unit="months"),
    col("timepoint", "text", "Time point (e.g. 12 months, day 100)"),
    col("unit", "text", "Unit"),
    col("upper", "number", "Upper 95 % confidence limit"),
    col("upper_24m", "number", "Upper 95 % limit at 24 months"),
    col("variable", "text", "Variable"),
    col("variable_p", "number", "Joint Wald p-value of the variable"),
)}

#: every outcome table ends with the refresh that computed it
SNAPSHOT_COLUMNS: tuple[str, ...] = ("refresh_id", "code_version")
#: outcome table -> (description, its columns before the snapshot columns)
OUTCOME_LAYOUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "snapshot": (
        "The data snapshot the outcome tables were computed from: delivery per centre.",
        ("centre_id", "delivery_date", "status", "days_since_delivery", "stale",
         "rows_quarantined", "message", "generated_at")),
    "cohort_flow": (
        "Cohort flow: registry -> R/R salvage by setting -> CRc -> transplanted.",
        ("step_order", "step", "setting", "n", "denominator", "pct", "text", "note")),
    "table1_azaven": (
        "Table 1: characteristics of transplanted AZA/VEN R/R patients.",
        ("cohort", "variable", "label", "level", "n", "n_known", "pct", "text", "missing",
         "median", "min", "max", "note")),
    "table1_ic": (
        "Table 1: characteristics of transplanted IC-comparator patients.",
        ("cohort", "variable", "label", "level", "n", "n_known", "pct", "text", "missing",
         "median", "min", "max", "note")),
    "table1_comparison": (
        "Table 1 comparison AZA/VEN vs IC with p-values.",
        ("variable", "label", "level", "azaven", "ic", "missing_azaven", "missing_ic", "test",
         "p", "note")),
    "outcome_estimates": (
        "OS, CIR, NRM, GRFS, cGVHD at 12/24 months, aGVHD at day 100, medians.",
        ("cohort", "endpoint", "statistic", "timepoint", "time_months", "n", "n_events",
         "estimate", "se", "lower", "upper", "n_risk", "text", "method", "note")),
    "univariate": (
        "Univariate analyses (24-month estimates, log-rank/Gray, Cox HR) per variable.",
        ("endpoint", "variable", "label", "level", "reference", "n", "n_events",
         "estimate_24m", "lower_24m", "upper_24m", "test", "test_p", "hr_term", "hr",
         "hr_lower", "hr_upper", "hr_p", "variable_p", "model", "note")),
    "multivariable": (
        "Multivariable Cox models of variables with p <= 0.05 (Table 2 form).",
        ("endpoint", "candidates", "selected_variables", "variable", "level", "hr", "lower",
         "upper", "hr_95ci", "p", "n", "n_event", "n_dropped_missing", "model", "note")),
    "three_group_model": (
        "Pre-transplant three-group model: 2-year CIR per group and Gray's test.",
        ("risk_group", "n", "n_events", "estimate_24m", "se", "lower", "upper", "n_risk",
         "gray_p", "note")),
    "matched_balance": (
        "1:1 propensity matching AZA/VEN vs IC: balance (standardised mean differences).",
        ("variable", "mean_treated_before", "mean_control_before", "smd_before",
         "mean_treated_after", "mean_control_after", "smd_after", "n_treated", "n_control",
         "n_pairs", "n_dropped_missing", "method", "note")),
    "matched_outcomes": (
        "Matched comparison AZA/VEN vs IC: OS, CIR, NRM, GRFS per arm with tests.",
        ("endpoint", "arm", "time_months", "n", "n_events", "estimate", "se", "lower", "upper",
         "n_risk", "test", "test_p", "hr", "hr_lower", "hr_upper", "hr_p", "note")),
    "calibration": (
        "Calibration targets of the synthetic registry beside the observed values.",
        ("section", "metric", "unit", "target", "target_n", "observed", "observed_n",
         "target_pct", "observed_pct", "note")),
    "curves": (
        "Every plotted step function of the report, for analysts to redraw.",
        ("figure", "endpoint", "group", "time_months", "estimate", "lower", "upper", "n_risk",
         "n_censor", "test", "test_p")),
    "number_at_risk": (
        "Numbers at risk under each figure.",
        ("figure", "group", "time_months", "n_risk")),
}


#: the blocking checks of the outcome tables (SQL in sql/checks returns the offending rows)
OUTCOME_TABLE_CHECKS: dict[str, tuple[TableCheck, ...]] = {
    "outcome_estimates": (
        TableCheck("estimates_within_bounds", "checks/outcome_estimates_bounds",
                   "every probability estimate and CI in [0, 1] and lower <= estimate <= upper"),
    ),
}


def _outcome_table(name: str, description: str, columns: tuple[str, ...], layer: str = "outcomes",
                   dependencies: tuple[str, ...] = ("analysis.patients", "analysis.endpoints"),
                   ) -> Table:
    return Table(name, layer, description,  # type: ignore[arg-type]
                 columns=same_columns((*columns, *SNAPSHOT_COLUMNS), OUTCOME_COLUMNS),
                 producer="outcome_analyses", dependencies=dependencies,
                 checks=OUTCOME_TABLE_CHECKS.get(name, ()))


OUTCOME_TABLES: tuple[Table, ...] = (
    *(_outcome_table(name, description, columns)
      for name, (description, columns) in OUTCOME_LAYOUTS.items()),
    _outcome_table(
        "matched_pairs",
        "Matched comparison AZA/VEN vs IC: one row per matched patient (pair_id, arm); "
        "join analysis.endpoints on patient_key to redo the comparison.",
        ("pair_id", "patient_key", "arm"), layer="analysis",
        dependencies=("analysis.patients", "analysis.endpoints")),
)
