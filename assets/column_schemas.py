"""Column metadata (``dagster/column_schema``) for every asset, from the data dictionary.

Sources: the canonical tables of :mod:`schemas.canonical` (raw, staging), the column
COMMENTs of ``sql/publish/*.sql`` (analysis, outcomes, quality, meta) and the query table of
:mod:`data_quality.queries`; the Dagster UI then shows each asset's columns and descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import dagster as dg

from schemas.canonical import CANONICAL_TABLES
from schemas.staging import QUARANTINE_COLUMNS
from warehouse.database import SQL_DIR

LINEAGE = [("centre_id", "string", "Centre code"),
           ("delivery", "string", "Delivery (export date) the row came in"),
           ("file", "string", "Delivered file (or workbook#sheet)"),
           ("source_row", "int", "Row number in the delivered file (header = row 0)")]
_KIND_TYPE = {"text": "string", "code": "string", "date": "date", "int": "int",
              "number": "float", "bool": "bool"}
_COMMENT = re.compile(r"COMMENT ON COLUMN (\w+)\.(\w+)\.\"?(\w+)\"? IS '((?:[^']|'')*)';")
QUARANTINE_DESCRIPTIONS = {
    "centre_id": "Centre code", "delivery": "Delivery (export date)",
    "table_name": "Canonical table of the row", "file": "Delivered file",
    "source_row": "Row number in the delivered file", "column_name": "Column of the first issue",
    "value": "The value as delivered", "rule": "The rule it broke",
    "reason": "Every issue of the row in words (centre, file, row, column, value)",
    "n_issues": "Number of issues of the row",
}
QUERY_DESCRIPTIONS = {
    "query_id": "Stable id: hash of centre, table, source record, column and rule",
    "centre_id": "Centre code", "source": "quarantine or discrepancy",
    "table_name": "Canonical table", "file": "Delivered file",
    "source_row": "Row number in the delivered file",
    "record_key": "The centre's own key of the record (else file:row)",
    "column_name": "Canonical column", "value": "The value as delivered",
    "rule": "The rule it broke", "kind": "conformance, completeness or plausibility (DQD)",
    "reason": "The problem in words", "status": "open, resolved or accepted",
    "first_seen_delivery": "First delivery showing it",
    "last_seen_delivery": "Newest delivery showing it",
    "resolved_in_delivery": "Delivery in which it was gone",
    "root_query_id": "The query this one is a knock-on of",
    "accepted_reason": "Why a data manager accepted the value",
}


def _comments() -> dict[str, list[tuple[str, str]]]:
    """``schema.table`` -> [(column, description)] from the COMMENT statements."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((SQL_DIR / "publish").glob("*comments.sql")):
        for schema, table, column, text in _COMMENT.findall(path.read_text(encoding="utf-8")):
            out.setdefault(f"{schema}.{table}", []).append((column, text.replace("''", "'")))
    return out


def _schema(columns: Iterable[tuple[str, str, str]]) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name=n, type=t, description=d)
                                   for n, t, d in columns])


def column_schemas() -> dict[str, dg.TableSchema]:
    """Asset key (user string) -> its table's columns."""
    comments = _comments()
    out: dict[str, dg.TableSchema] = {}
    for name, table in CANONICAL_TABLES.items():
        canon = [(c.name, _KIND_TYPE[c.kind], c.description
                  + (" (required)" if c.required else "")) for c in table.columns]
        out[f"raw_{name}"] = _schema(LINEAGE + [(n, "string", f"{d}, as delivered (text)")
                                                for n, _t, d in canon]
                                     + [("unmapped", "string", "Values of source columns the "
                                         "dialect does not map"),
                                        ("missing_fields", "int", "Fields missing at the end "
                                         "of a record cut short")])
        out[f"staging_{name}"] = _schema(LINEAGE + canon)
    out["quarantine_rows"] = _schema((c, "string", QUARANTINE_DESCRIPTIONS.get(c, c))
                                     for c in QUARANTINE_COLUMNS)
    out["quality_queries"] = _schema((c, "string", d) for c, d in QUERY_DESCRIPTIONS.items())
    for fqn, cols in comments.items():
        schema, table = fqn.split(".")
        key = f"{schema}_{table}" if schema != "meta" else f"meta_{table}"
        out[key] = _schema((c, "", d) for c, d in cols)
    patients = dict(comments.get("analysis.patients", []))
    for key, source in (("harmonised_patients", "analysis.patients"),
                        ("harmonised_responses", "analysis.responses"),
                        ("harmonised_discrepancies", "quality.discrepancies"),
                        ("outcome_report", "outcomes.outcome_estimates"),
                        ("quality_dashboard", "quality.expectation_results"),
                        ("published_registry", "meta.refreshes")):
        if source in comments:
            cols = [(c, "", d) for c, d in comments[source] if c != "patient_key"]
            if key.startswith("harmonised_") and source != "quality.discrepancies":
                cols = [("patient_id", "string", "Centre-local patient identifier")] + cols
            out[key] = _schema(cols)
    out["harmonised_unknown_regimens"] = _schema([
        ("kind", "string", "treatment_line or conditioning"),
        ("regimen", "string", "Regimen as written, not in the catalogues"),
        ("count", "int", "Rows with it")])
    out.setdefault("harmonised_patients", _schema(
        (c, "", d) for c, d in patients.items()))
    return out


def with_column_schema(spec: dg.AssetSpec, schemas: dict[str, dg.TableSchema]) -> dg.AssetSpec:
    """The spec with its ``dagster/column_schema`` (unchanged when none is known)."""
    schema = schemas.get(spec.key.to_user_string())
    if schema is None or "dagster/column_schema" in (spec.metadata or {}):
        return spec
    return spec.merge_attributes(metadata={"dagster/column_schema": schema})
