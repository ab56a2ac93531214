"""The shape of a registry entry: one table of one layer, its columns, key, lineage and checks.

Source: issue 16 ("One declarative table registry"); layers as in
../shared/spec/architecture.md (raw -> staging -> harmonised -> analysis -> outcomes ->
publish). Plain data: no pandas, pandera, DuckDB or Dagster import, so that every layer can
read it and the generators (:mod:`schemas.pandera_models`, :mod:`schemas.registry.comments`,
``data_quality.expectations``, ``assets.column_schemas``) derive everything else from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

#: text = free text, code = one of ``codes``; json = a JSON document stored as text
ColumnKind = Literal["text", "code", "date", "timestamp", "int", "number", "bool", "json"]
Layer = Literal["raw", "staging", "quarantine", "harmonised", "analysis", "outcomes", "quality",
                "meta"]
#: the schemas of the analysts' published file (the rest stays in the restricted copy)
PUBLISHED_LAYERS: tuple[Layer, ...] = ("analysis", "outcomes", "quality", "meta")


@dataclass(frozen=True)
class Column:
    """One column: type, meaning, allowed codes or range, unit and nullability."""

    name: str
    kind: ColumnKind
    description: str
    #: not nullable (a missing value breaks the row)
    required: bool = False
    codes: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    #: regular expression a text value must match (whole value)
    pattern: str | None = None
    #: shortest allowed text (1 = not empty)
    min_length: int | None = None

    @property
    def nullable(self) -> bool:
        return not self.required


@dataclass(frozen=True)
class RowCheck:
    """A rule over several columns of one row, named as the quarantine reason names it.

    ``column`` is the column the reason blames, ``shows`` the other columns quoted with it,
    ``reason`` the rule in the words a data manager reads.
    """

    name: str
    column: str
    shows: tuple[str, ...]
    description: str
    reason: str


@dataclass(frozen=True)
class DateOrder:
    """``later`` is not before ``earlier`` within one row (OHDSI DQD plausibleTemporalAfter)."""

    later: str
    earlier: str
    or_equal: bool

    @property
    def name(self) -> str:
        return f"{self.later}>{self.earlier}"


@dataclass(frozen=True)
class TableCheck:
    """A check over the whole table: ``sql/<sql_file>.sql`` returns the offending rows (none =
    passed); a ``blocking`` failure keeps the refresh from publishing (severity ERROR)."""

    name: str
    sql_file: str
    description: str
    blocking: bool = True


Check = RowCheck | DateOrder | TableCheck


@dataclass(frozen=True)
class Table:
    """One table (or view) of one layer, as the registry declares it.

    ``columns`` are the table's own columns; ``lineage`` the bookkeeping columns every row of
    the layer carries before them (centre, delivery, file, row). ``producer`` names the asset
    that writes it, ``dependencies`` the qualified tables it is derived from.
    """

    name: str
    layer: Layer
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    lineage: tuple[Column, ...] = ()
    producer: str = ""
    dependencies: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    kind: Literal["table", "view"] = "table"
    #: identifiable: kept out of the analysts' file even in a published schema
    restricted: bool = False

    @property
    def qualified_name(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Lineage, then the table's own columns (the order of the stored table)."""
        return (*self.lineage, *self.columns)

    @property
    def published(self) -> bool:
        return self.layer in PUBLISHED_LAYERS and not self.restricted

    def column(self, name: str) -> Column:
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    def row_checks(self) -> tuple[RowCheck, ...]:
        return tuple(c for c in self.checks if isinstance(c, RowCheck))

    def date_orders(self) -> tuple[DateOrder, ...]:
        return tuple(c for c in self.checks if isinstance(c, DateOrder))

    def table_checks(self) -> tuple[TableCheck, ...]:
        return tuple(c for c in self.checks if isinstance(c, TableCheck))

    def with_description(self, column: str, description: str) -> Table:
        """A copy with one column's description changed (the registry stays immutable)."""
        def change(cols: tuple[Column, ...]) -> tuple[Column, ...]:
            return tuple(replace(c, description=description) if c.name == column else c
                         for c in cols)
        if column not in {c.name for c in self.all_columns}:
            raise KeyError(f"{self.qualified_name} has no column {column!r}")
        return replace(self, columns=change(self.columns), lineage=change(self.lineage))


def col(name: str, kind: ColumnKind, description: str, **facts: object) -> Column:
    """Shorthand for a column entry (keyword facts as in :class:`Column`)."""
    return Column(name, kind, description, **facts)  # type: ignore[arg-type]


def same_columns(names: tuple[str, ...] | list[str],
                 shared: dict[str, Column]) -> tuple[Column, ...]:
    """The shared column entries of ``names`` in that order (one meaning per column name)."""
    missing = [n for n in names if n not in shared]
    if missing:
        raise KeyError(f"no shared column entry for {missing}")
    return tuple(shared[n] for n in names)


__all__ = ["PUBLISHED_LAYERS", "Check", "Column", "ColumnKind", "DateOrder", "Layer",
           "RowCheck", "Table", "TableCheck", "col", "same_columns"]
