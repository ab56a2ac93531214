"""The table registry: one declarative entry per table of every layer.

Source: issue 16 ("One declarative table registry"). Each entry (:class:`Table`) names the
table, its layer, columns (type, description, codes or range, unit, nullability), key,
producer, dependencies and checks. Generated from it: the pandera schemas
(:mod:`schemas.staging_models`), the great-expectations suites (``data_quality.expectations``),
the ``COMMENT ON`` statements behind ``meta.data_dictionary`` (:mod:`schemas.registry.comments`)
and Dagster's ``TableSchema`` metadata (``assets.column_schemas``). Plain data, no Dagster.
"""

from __future__ import annotations

from schemas.registry.analysis import ANALYSIS_TABLES, ANALYSIS_VIEWS
from schemas.registry.meta import META_TABLES
from schemas.registry.model import (
    PUBLISHED_LAYERS,
    Column,
    ColumnKind,
    DateOrder,
    Layer,
    RowCheck,
    Table,
    TableCheck,
)
from schemas.registry.outcomes import OUTCOME_TABLES
from schemas.registry.quality import QUALITY_TABLES
from schemas.registry.restricted import RESTRICTED_TABLES
from schemas.registry.source import RAW_TABLES, SOURCE_TABLE_NAMES, STAGING_TABLES

#: every entry, lower layers first; qualified name (``layer.table``) -> entry
REGISTRY: dict[str, Table] = {t.qualified_name: t for t in (
    *RAW_TABLES.values(), *STAGING_TABLES.values(), *RESTRICTED_TABLES,
    *ANALYSIS_TABLES, *OUTCOME_TABLES, *QUALITY_TABLES, *META_TABLES, *ANALYSIS_VIEWS)}


def table(qualified_name: str) -> Table:
    """The entry of ``layer.table`` (KeyError naming it when the registry has none)."""
    try:
        return REGISTRY[qualified_name]
    except KeyError:
        raise KeyError(f"the table registry has no entry {qualified_name!r}") from None


def tables_of(*layers: Layer) -> list[Table]:
    """The entries of ``layers`` in registry order."""
    return [t for t in REGISTRY.values() if t.layer in layers]


def produced_by(producer: str) -> list[Table]:
    """The entries an asset (or multi-asset) writes, in registry order."""
    return [t for t in REGISTRY.values() if t.producer == producer]


def published_tables() -> list[Table]:
    """Every table and view of the analysts' file (restricted entries left out)."""
    return [t for t in REGISTRY.values() if t.published]


__all__ = ["PUBLISHED_LAYERS", "RAW_TABLES", "REGISTRY", "SOURCE_TABLE_NAMES", "STAGING_TABLES",
           "Column", "ColumnKind", "DateOrder", "Layer", "RowCheck", "Table", "TableCheck", "produced_by",
           "published_tables",
           "table", "tables_of"]
