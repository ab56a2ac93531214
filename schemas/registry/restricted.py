"""Entries of the restricted layers: quarantine, harmonised extras and the data managers' queries.

Source: ../shared/spec/architecture.md (quarantine: every rejected source row with a reason)
and the README ("For data managers"). These tables hold identifiable values and stay in the
restricted copy; their descriptions feed Dagster's column schemas.
"""

from __future__ import annotations

from schemas.registry.model import Table, col
from schemas.registry.shared import CENTRE_ID

#: quarantine.rows column order (schemas.staging.QUARANTINE_COLUMNS + the load time)
QUARANTINE_ROWS = Table(
    "rows", "quarantine",
    "Every rejected source row with centre, delivery, file, row, column, value, rule and a "
    "readable reason (restricted).",
    columns=(
        col("centre_id", "text", "Centre code", required=True),
        col("delivery", "text", "Delivery (export date)", required=True),
        col("table_name", "text", "Canonical table of the row", required=True),
        col("file", "text", "Delivered file"),
        col("source_row", "int", "Row number in the delivered file", minimum=0),
        col("column_name", "text", "Column of the first issue"),
        col("value", "text", "The value as delivered"),
        col("rule", "text", "The rule it broke", required=True),
        col("reason", "text", "Every issue of the row in words (centre, file, row, column, value)",
            required=True),
        col("n_issues", "int", "Number of issues of the row", minimum=1),
        col("quarantined_at", "timestamp", "When the row was quarantined (UTC)"),
    ),
    producer="staging_centre_tables", dependencies=("raw.patients",),
)

QUERIES = Table(
    "queries", "quality",
    "Data-quality queries back to the centres: every quarantined row, reported-vs-derived "
    "discrepancy and patient deleted at the source, with a stable id and its status "
    "(restricted: values as delivered).",
    key=("query_id",),
    columns=(
        col("query_id", "text", "Stable id: hash of centre, table, source record, column and rule",
            required=True),
        col("centre_id", "text", "Centre code", required=True),
        col("source", "code", "quarantine, discrepancy or deleted_patient",
            codes=("quarantine", "discrepancy", "deleted_patient")),
        col("table_name", "text", "Canonical table"),
        col("file", "text", "Delivered file"),
        col("source_row", "int", "Row number in the delivered file"),
        col("record_key", "text", "The centre's own key of the record (else file:row)"),
        col("column_name", "text", "Canonical column"),
        col("value", "text", "The value as delivered"),
        col("rule", "text", "The rule it broke"),
        col("kind", "code", "conformance, completeness or plausibility (DQD)",
            codes=("conformance", "completeness", "plausibility")),
        col("reason", "text", "The problem in words"),
        col("status", "code", "open, resolved or accepted", codes=("open", "resolved", "accepted")),
        col("first_seen_delivery", "text", "First delivery showing it"),
        col("last_seen_delivery", "text", "Newest delivery showing it"),
        col("resolved_in_delivery", "text", "Delivery in which it was gone"),
        col("root_query_id", "text", "The query this one is a knock-on of"),
        col("accepted_reason", "text", "Why a data manager accepted the value"),
        col("held_resend", "bool", "A problem of a held same-date re-send, not of the "
            "delivery's accepted content in use"),
    ),
    producer="quality_queries", dependencies=("quarantine.rows", "harmonised.discrepancies"),
    restricted=True,
)

UNKNOWN_REGIMENS = Table(
    "unknown_regimens", "harmonised",
    "Regimens as written that neither regimen catalogue knows, with how often they occur, "
    "per centre.",
    columns=(
        CENTRE_ID,
        col("kind", "code", "treatment_line or conditioning",
            codes=("treatment_line", "conditioning")),
        col("regimen", "text", "Regimen as written, not in the catalogues"),
        col("count", "int", "Rows with it", minimum=1),
    ),
    producer="harmonised_centre", dependencies=("staging.treatment_lines",
                                                  "staging.transplants"),
)

RESTRICTED_TABLES: tuple[Table, ...] = (QUARANTINE_ROWS, QUERIES, UNKNOWN_REGIMENS)
