"""The registry's own record (``meta.*``): refreshes, centre runs, checks, keys, deliveries.

Source: ../shared/spec/architecture.md ("Observability") and the README ("Faults and bad
input", "Privacy"): what each refresh did, per centre and per check, the pseudonymisation
mode and the deliveries that could not be loaded or were held. Messages never quote a value.
"""

from __future__ import annotations

from schemas.registry.model import Table, col
from schemas.registry.shared import CENTRE_ID, REFRESH_ID

META_TABLES: tuple[Table, ...] = (
    Table(
        "refreshes", "meta",
        "One row per refresh: when, which deliveries, row counts, check results, code version.",
        key=("refresh_id",),
        columns=(
            REFRESH_ID,
            col("started_at", "timestamp", "Start (UTC)"),
            col("finished_at", "timestamp", "End (UTC)"),
            col("status", "text", "running, published, not_published, failed"),
            col("published", "bool", "Whether this refresh published the analysts' file"),
            col("centres", "text", "JSON: per centre status, current delivery and row counts"),
            col("row_counts", "text", "JSON: rows per layer table"),
            col("check_results", "text", "JSON: check -> passed"),
            col("code_version", "text", "Code version (git commit)"),
            col("message", "text", "Summary"),
        ),
        producer="refresh",
    ),
    Table(
        "centre_runs", "meta",
        "What each refresh did per centre.",
        key=("refresh_id", "centre_id"),
        columns=(
            REFRESH_ID,
            CENTRE_ID,
            col("status", "text", "loaded, unchanged or failed"),
            col("current_delivery", "text", "Current delivery"),
            col("deliveries_loaded", "text", "Deliveries loaded in this refresh"),
            col("rows_delivered", "int", "Rows in the current delivery"),
            col("rows_staged", "int", "Rows staged"),
            col("rows_quarantined", "int", "Rows quarantined"),
            col("checks_failed", "int", "Failed blocking checks"),
            col("message", "text", "Message (error names centre, file, row)"),
            col("finished_at", "timestamp", "When (UTC)"),
        ),
        producer="refresh",
    ),
    Table(
        "check_results", "meta",
        "Every asset check result of every refresh.",
        columns=(
            REFRESH_ID,
            col("asset", "text", "Asset checked"),
            col("check_name", "text", "Check"),
            col("partition", "text", "Centre partition (if any)"),
            col("passed", "bool", "Passed"),
            col("severity", "text", "ERROR (blocks publishing) or WARN"),
            col("description", "text", "What the check verifies"),
            col("details", "text", "JSON details"),
            col("checked_at", "timestamp", "When (UTC)"),
        ),
        producer="refresh",
    ),
    Table(
        "pseudonymisation", "meta",
        "The pseudonymisation key of this registry: production or demo, since when (never the "
        "key or its fingerprint).",
        columns=(
            col("mode", "text",
                "production (a secret key from AML_REGISTRY_PSEUDONYM_KEY) or demo (the public "
                "demo key: synthetic data only)"),
            col("is_demo", "bool", "True for a demo registry (synthetic data, public demo key)"),
            col("key_established_at", "timestamp",
                "When the current key was first used or set by a re-key (UTC)"),
            col("rekeys", "int",
                "Deliberate key changes so far (aml-registry rekey); each changed every "
                "patient_key"),
            col("last_rekeyed_at", "timestamp", "Time of the last key change (UTC; NULL: never)"),
        ),
        producer="analysis_tables",
    ),
    Table(
        "rekeys", "meta",
        "Every deliberate change of the pseudonymisation key: all patient_keys changed then (the"
        " old-to-new crosswalk is in the restricted database).",
        columns=(
            col("rekey_id", "text", "Re-key identifier"),
            col("rekeyed_at", "timestamp", "When (UTC)"),
            col("patients_rekeyed", "int", "Patient keys re-derived"),
        ),
        producer="rekey",
    ),
    Table(
        "delivery_problems", "meta",
        "Entries of a centre folder that could not be loaded (broken delivery, folder name not a"
        " real date, future date, symbolic link): history, reported once; names file, row and "
        "column, never a value.",
        columns=(
            CENTRE_ID,
            col("entry", "text", "The delivery folder (or other entry) that could not be loaded"),
            col("fingerprint", "text",
                "Names, sizes and mtimes of its files: a changed entry is read again"),
            col("file", "text", "Export file of the problem (empty: the entry as a whole)"),
            col("source_row", "int",
                "Row of the file (1 = first data row; empty: the file as a whole)"),
            col("column_name", "text", "Column of the problem, where one is named"),
            col("problem", "text", "What is wrong, in words (never a delivered value)"),
            col("first_seen_refresh", "text", "Refresh that first found the problem"),
            col("first_seen_at", "timestamp", "When the problem was first found (UTC)"),
        ),
        producer="raw_centre_exports",
    ),
    Table(
        "delivery_decisions", "meta",
        "Deliveries held by the shrink guard and the data managers' decisions on them (aml-"
        "registry accept-delivery); the newest row per centre, delivery and signature is in "
        "force.",
        columns=(
            CENTRE_ID,
            col("delivery", "text", "Delivery date (folder name)"),
            col("signature", "text", "Fingerprint of the delivery's files the decision is about"),
            col("decision", "text", "held (by the shrink guard), accepted (by a data manager) "
                "or superseded (a newer or corrected delivery became current)"),
            col("reason", "text", "What shrank (held) or why the loss is real (accepted)"),
            col("decided_by", "text",
                "Login of the data manager who accepted (empty when held by the pipeline)"),
            col("command", "text", "The command that recorded the decision"),
            col("refresh_id", "text", "Refresh that held the delivery"),
            col("decided_at", "timestamp", "When the decision was recorded (UTC)"),
        ),
        producer="staging_centre_tables",
    ),
    Table(
        "data_dictionary", "meta",
        "View: every published table, view and column with its description (this list).",
        columns=(
            col("schema_name", "text", "Schema (analysis, outcomes, quality, meta)"),
            col("table_name", "text", "Table or view"),
            col("table_description", "text", "What the table or view holds"),
            col("column_index", "int", "Position of the column in the table (1 = first)"),
            col("column_name", "text", "Column"),
            col("data_type", "text", "DuckDB data type"),
            col("column_description", "text", "What the column holds"),
            col("table_kind", "text", "table or view"),
        ),
        producer="published_registry",
        kind="view",
    ),
)
