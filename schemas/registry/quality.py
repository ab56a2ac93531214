"""The published quality tables (``quality.*``): discrepancies, quarantine summary, row
accounting and the great-expectations results.

Source: ../shared/spec/style.md ("OHDSI Data Quality Dashboard", "great-expectations 1.x")
and ../shared/spec/architecture.md (row accounting: raw = staged + quarantined). Pseudonymised:
the local IDs and delivered values of these problems are in the restricted copy only.
"""

from __future__ import annotations

from schemas.registry.model import Table, col
from schemas.registry.shared import CENTRE_ID, PATIENT_KEY
from schemas.registry.source import SOURCE_TABLE_NAMES

#: every delivered table, as loaded (raw) and typed (staging)
DELIVERED: tuple[str, ...] = (*(f"raw.{t}" for t in SOURCE_TABLE_NAMES),
                              *(f"staging.{t}" for t in SOURCE_TABLE_NAMES))

QUALITY_TABLES: tuple[Table, ...] = (
    Table(
        "discrepancies", "quality",
        "Reported vs derived disagreements for data managers (pseudonymised; local IDs are in "
        "the restricted database).",
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("variable", "text", "Variable"),
            col("reported", "text", "Value reported by the centre"),
            col("derived", "text", "Value derived by the clinical rules"),
            col("reason", "text",
                "Why they differ (calendar dates masked as (date); the full reason is in the "
                "restricted database)"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.discrepancies", "harmonised.patient_keys"),
    ),
    Table(
        "quarantine_summary", "quality",
        "Quarantined source rows per centre, delivery, table and rule (row details are in the "
        "restricted database).",
        columns=(
            CENTRE_ID,
            col("delivery", "text", "Delivery (export date)"),
            col("table_name", "text", "Canonical table"),
            col("rule", "text", "Rule that rejected the row"),
            col("column_name", "text", "Column of the first issue"),
            col("rows_quarantined", "int", "Number of rejected source rows"),
        ),
        producer="analysis_tables",
        dependencies=("quarantine.rows",),
    ),
    Table(
        "row_accounting", "quality",
        "Row accounting per centre, delivery and table: raw rows = staged + quarantined.",
        columns=(
            CENTRE_ID,
            col("delivery", "text", "Delivery"),
            col("table_name", "text", "Canonical table"),
            col("raw_rows", "int", "Rows delivered"),
            col("staged_rows", "int", "Rows in staging"),
            col("quarantined_rows", "int", "Rows in quarantine"),
            col("balanced", "bool", "raw = staged + quarantined"),
        ),
        producer="analysis_tables",
        dependencies=(*DELIVERED, "quarantine.rows"),
    ),
    Table(
        "expectation_results", "quality",
        "great-expectations results of the last refresh, one row per expectation (conformance, "
        "completeness, plausibility; OHDSI DQD shape). HTML data docs: WAREHOUSE/data-"
        "docs/index.html.",
        columns=(
            col("run_name", "text", "Refresh that ran the expectations"),
            col("suite", "text",
                "Expectation suite (one per canonical table, plus patient_profile)"),
            col("table_name", "text", "Table validated"),
            col("kind", "text", "conformance, completeness or plausibility"),
            col("check_name", "text", "Short name of the check"),
            col("expectation", "text", "great-expectations expectation type"),
            col("column_name", "text", "Column checked"),
            col("centre_id", "text", "Centre (for per-centre checks)"),
            col("success", "bool", "Whether the expectation was met"),
            col("status", "text", "passed, failed, error or not_applicable"),
            col("observed_value", "number", "Share of conforming rows (or the observed mean)"),
            col("unexpected_count", "int", "Rows not meeting the expectation"),
            col("element_count", "int", "Rows evaluated"),
            col("unexpected_percent", "number", "Percentage of rows not meeting it"),
            col("threshold", "number", "Required share of conforming rows (mostly)"),
            col("expected", "text", "Expected values or range"),
            col("unexpected_examples", "text",
                "Examples of unexpected codes or numbers (never dates or free text)"),
            col("rows_total", "int", "Rows in the table"),
            col("rows_validated", "int", "Rows validated (a sample above the size limit)"),
            col("sampled", "bool", "Whether a deterministic sample was validated"),
            col("description", "text", "What the expectation checks"),
        ),
        producer="quality_expectation_results",
        dependencies=DELIVERED,
    ),
    Table(
        "expectation_centre_results", "quality",
        "Registry-wide row expectations judged per centre (failing rows from great-expectations'"
        " unexpected index list), on each centre's current delivery before quarantine: the "
        "quality dashboard's checks (OHDSI DQD shape).",
        columns=(
            col("run_name", "text", "Refresh that ran the expectations"),
            col("suite", "text",
                "Expectation suite (one per canonical table, plus patient_profile)"),
            col("table_name", "text", "Table validated"),
            col("kind", "text", "conformance, completeness or plausibility (OHDSI DQD)"),
            col("check_name", "text", "DQD-style check name (e.g. is_required, code_in_set)"),
            col("expectation", "text", "great-expectations expectation type"),
            col("column_name", "text", "Column (or columns) checked"),
            CENTRE_ID,
            col("success", "bool", "True when the share violated is within the threshold"),
            col("unexpected_count", "int", "Rows of the centre violating the expectation"),
            col("element_count", "int", "Rows of the centre validated"),
            col("share_violated", "number", "unexpected_count / element_count"),
            col("threshold", "number",
                "mostly: share of rows that must pass (1 - share allowed to fail)"),
            col("expected", "text", "The rule in words"),
            col("description", "text", "What the check means"),
        ),
        producer="quality_expectation_results",
        dependencies=DELIVERED,
    ),
)
