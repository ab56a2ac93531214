"""Column metadata (``dagster/column_schema``) for every asset, generated from the table registry.

Source: :mod:`schemas.registry` (one entry per table of every layer: type, description,
nullability, codes, range, unit); the Dagster UI then shows each asset's columns with them.
"""

from __future__ import annotations

import dagster as dg

from schemas.registry import REGISTRY, Column, Table

_KIND_TYPE = {"text": "string", "code": "string", "date": "date", "timestamp": "timestamp",
              "int": "int", "number": "float", "bool": "bool", "json": "json"}
#: assets that show the columns of another registry entry (the key columns they add first)
DERIVED_SCHEMAS: dict[str, tuple[str, bool]] = {
    # asset key: (registry entry, shows the local patient_id instead of patient_key)
    "harmonised_patients": ("analysis.patients", True),
    "harmonised_responses": ("analysis.responses", True),
    "harmonised_discrepancies": ("quality.discrepancies", False),
    "outcome_report": ("outcomes.outcome_estimates", False),
    "quality_dashboard": ("quality.expectation_results", False),
    "published_registry": ("meta.refreshes", False),
}


def asset_key_of(table: Table) -> str:
    """The asset (user string) holding a registry entry: ``<layer>_<table>``."""
    return f"{table.layer}_{table.name}"


def constraints(column: Column) -> dg.TableColumnConstraints:
    """Nullability and the allowed values, range and unit as Dagster column constraints."""
    other = []
    if column.codes:
        other.append("in {" + ", ".join(column.codes) + "}")
    if column.minimum is not None:
        other.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        other.append(f"<= {column.maximum:g}")
    if column.unit:
        other.append(f"unit: {column.unit}")
    if column.pattern:
        other.append(f"matches {column.pattern}")
    return dg.TableColumnConstraints(nullable=column.nullable, other=other)


def table_column(column: Column) -> dg.TableColumn:
    """One registry column as a Dagster column (staging marks required columns)."""
    return dg.TableColumn(name=column.name, type=_KIND_TYPE[column.kind],
                          description=column.description + ("" if column.nullable
                                                            else " (required)"),
                          constraints=constraints(column))


def table_schema(table: Table) -> dg.TableSchema:
    """A registry entry as Dagster's ``TableSchema`` (lineage, then the table's columns)."""
    return dg.TableSchema(columns=[table_column(c) for c in table.all_columns])


def _derived(table: Table, local_ids: bool) -> dg.TableSchema:
    cols = [table_column(c) for c in table.all_columns if c.name != "patient_key"]
    if local_ids:
        cols = [dg.TableColumn(name="patient_id", type="string",
                               description="Centre-local patient identifier")] + cols
    return dg.TableSchema(columns=cols)


def column_schemas() -> dict[str, dg.TableSchema]:
    """Asset key (user string) -> its table's columns, for every registry entry."""
    out = {asset_key_of(t): table_schema(t) for t in REGISTRY.values()}
    for key, (source, local_ids) in DERIVED_SCHEMAS.items():
        out[key] = _derived(REGISTRY[source], local_ids)
    return out


def with_column_schema(spec: dg.AssetSpec, schemas: dict[str, dg.TableSchema]) -> dg.AssetSpec:
    """The spec with its ``dagster/column_schema`` (unchanged when none is known)."""
    schema = schemas.get(spec.key.to_user_string())
    if schema is None or "dagster/column_schema" in (spec.metadata or {}):
        return spec
    return spec.merge_attributes(metadata={"dagster/column_schema": schema})
