"""The canonical ProMISE export tables as the layers below the registry read them.

Source: ../shared/spec/export-format.md ("Canonical tables"), declared once in the table
registry (:mod:`schemas.registry.source`). ``CANONICAL_TABLES`` is the registry's staging
entries (``.columns`` are the canonical columns, ``.lineage`` the bookkeeping before them);
no column fact is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.registry import SOURCE_TABLE_NAMES, STAGING_TABLES, Column, Table
from schemas.registry.source import RESPONSE_CODES, RISK_CODES

if TYPE_CHECKING:
    import pandas as pd

CanonicalColumn = Column
CanonicalTable = Table
CANONICAL_TABLES: dict[str, Table] = STAGING_TABLES
TABLE_NAMES: tuple[str, ...] = SOURCE_TABLE_NAMES

__all__ = ["CANONICAL_TABLES", "RESPONSE_CODES", "RISK_CODES", "TABLE_NAMES", "CanonicalColumn",
           "CanonicalTable", "cast_canonical"]


def cast_canonical(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give a table's canonical columns the dtypes the clinical rules expect (in place).

    Dates datetime64[ns], integers Int64, numbers float64, booleans nullable boolean, text and
    codes as Python strings with None for missing.
    """
    import pandas as pd

    for col in CANONICAL_TABLES[table].columns:
        values = frame[col.name]
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col.kind == "int":
            frame[col.name] = values.astype("Int64")
        elif col.kind == "bool":
            frame[col.name] = values.astype("boolean")
        elif col.kind == "number":
            frame[col.name] = values.astype("float64")
        else:
            frame[col.name] = values.astype(object).where(values.notna(), None)
    return frame
