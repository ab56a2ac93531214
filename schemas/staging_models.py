"""pandera schemas of the typed staging tables, generated from the table registry.

Source: ../shared/spec/export-format.md ("Canonical tables") as declared in
:mod:`schemas.registry.source`; pandera's ``DataFrameSchema`` API. One schema per canonical
table, one column per registry column with its type, checks (codes, range, form) and
description, plus the registry's row rules as dataframe checks. Key uniqueness is checked
separately (:func:`schemas.staging.duplicate_issues`) so that the first copy of a duplicated
row is kept and later copies are quarantined by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

import pandas as pd
import pandera.pandas as pa

from schemas.registry import STAGING_TABLES, Column, RowCheck, Table
from schemas.registry.source import RESPONSE_COUNT_COLUMNS

#: Text columns are Arrow-backed strings: vectorised checks instead of per-value Python.
ARROW_TEXT = pd.StringDtype("pyarrow")


def _dtype(column: Column, lineage: bool) -> object:
    if column.kind in ("text", "code", "json"):
        return ARROW_TEXT
    if column.kind in ("date", "timestamp"):
        return pa.DateTime
    if column.kind == "int":
        # lineage row numbers are plain int64 (always there); table integers nullable Int64
        return "int64" if lineage else pd.Int64Dtype()
    if column.kind == "bool":
        return pd.BooleanDtype()
    return "float64"


def column_checks(column: Column) -> list[pa.Check]:
    """The column's checks in pandera's own Field order (ge, le, isin, str_matches, str_length).

    Bounds keep the registry's number type: a reason quotes them as declared (``1.0``, ``20``).
    """
    checks = []
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    if column.maximum is not None:
        checks.append(pa.Check.le(column.maximum))
    if column.codes:
        checks.append(pa.Check.isin(list(column.codes)))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern))
    if column.min_length is not None:
        checks.append(pa.Check.str_length(min_value=column.min_length))
    return checks


def staging_column(column: Column, lineage: bool = False) -> pa.Column:
    """One registry column as a pandera column (type, nullability, checks, description)."""
    return pa.Column(_dtype(column, lineage), checks=column_checks(column), nullable=column.nullable,
                     description=column.description, title=column.name)


# --------------------------------------------------------------------------- row rules

def response_or_counts(df: pd.DataFrame) -> pd.Series:
    """export-format.md: the response label is optional where the counts are given."""
    counts = df[list(RESPONSE_COUNT_COLUMNS)].notna().any(axis=1)
    return df["response"].notna() | counts


def grade_fits_kind(df: pd.DataFrame) -> pd.Series:
    """Acute GVHD grades 1-4 (MAGIC), chronic NIH mild/moderate/severe or legacy
    limited/extensive (export-format.md, gvhd)."""
    acute = df["kind"].eq("acute")
    numeric = df["grade"].isin(["1", "2", "3", "4"])
    # an unknown kind is reported by its own isin check, not again here
    return (acute & numeric) | (~acute & ~numeric) | ~df["kind"].isin(["acute", "chronic"])


def death_date_only_if_dead(df: pd.DataFrame) -> pd.Series:
    """A death date is given if and only if the patient is dead (export-format.md, followup)."""
    dead = df["vital_status"].eq("dead")
    # an unknown vital status is reported by its own isin check, not again here
    return dead.eq(df["death_date"].notna()) | ~df["vital_status"].isin(["alive", "dead"])


#: registry row-rule name -> its vectorised test (True = the row passes)
ROW_RULES: Mapping[str, Callable[[pd.DataFrame], pd.Series]] = {
    "response_or_counts": response_or_counts,
    "grade_fits_kind": grade_fits_kind,
    "death_date_only_if_dead": death_date_only_if_dead,
}


def row_check(rule: RowCheck) -> pa.Check:
    """A registry row rule as a dataframe-level pandera check named like the rule."""
    if rule.name not in ROW_RULES:
        raise KeyError(f"row rule {rule.name!r} of the registry has no implementation")
    return pa.Check(ROW_RULES[rule.name], name=rule.name, description=rule.description)


def staging_schema(table: Table) -> pa.DataFrameSchema:
    """The pandera schema of one staging entry: lineage and canonical columns, row rules.

    Not strict (raw extras may ride along), no coercion (staging types the values itself so
    that a value that cannot be typed gets its own reason).
    """
    return pa.DataFrameSchema(
        {**{c.name: staging_column(c, lineage=True) for c in table.lineage},
         **{c.name: staging_column(c) for c in table.columns}},
        checks=[row_check(r) for r in table.row_checks()],
        name=table.qualified_name, description=table.description,
        strict=False, coerce=False)


@cache
def staging_model(table: str) -> pa.DataFrameSchema:
    """The (cached) pandera schema of canonical table ``table``."""
    return staging_schema(STAGING_TABLES[table])


class _Models(Mapping[str, pa.DataFrameSchema]):
    """canonical table -> pandera schema, built on first use."""

    def __getitem__(self, table: str) -> pa.DataFrameSchema:
        return staging_model(table)

    def __iter__(self):  # noqa: ANN204
        return iter(STAGING_TABLES)

    def __len__(self) -> int:
        return len(STAGING_TABLES)


STAGING_MODELS: Mapping[str, pa.DataFrameSchema] = _Models()
