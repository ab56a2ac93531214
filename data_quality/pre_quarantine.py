"""Typed rows of each centre's current delivery before quarantine, for the expectations.

Source: issue 15 ("the suites run on the typed rows before quarantine, so the data docs show
what failed, per centre"). Each raw text column is typed with the centre's dialect exactly as
staging types it (:func:`schemas.staging.type_column`), but no row is removed: a value that
cannot be typed becomes missing, and every row is validated. Pure pandas, no Dagster.
"""

from __future__ import annotations

import pandas as pd

from schemas.canonical import CANONICAL_TABLES, cast_canonical
from schemas.dialect import CentreDialect
from schemas.staging import type_column


def typed_before_quarantine(raw: pd.DataFrame, table: str,
                            dialect: CentreDialect) -> pd.DataFrame:
    """Every raw row of one table typed with the centre's dialect (lineage kept)."""
    raw = raw.reset_index(drop=True)
    typed = pd.DataFrame({c: raw[c].astype(object) for c in
                          ("centre_id", "delivery", "file")})
    typed["source_row"] = raw["source_row"].astype("int64")
    for col in CANONICAL_TABLES[table].columns:
        values, _issues = type_column(raw[col.name], col.kind, col.name, dialect,
                                      raw["source_row"])
        typed[col.name] = values
    return cast_canonical(typed, table)


def combine_centres(per_centre: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate the centres' typed tables into one frame per canonical table."""
    out: dict[str, pd.DataFrame] = {}
    for table in CANONICAL_TABLES:
        frames = [t[table] for t in per_centre.values() if table in t and len(t[table])]
        if frames:
            combined = pd.concat(frames, ignore_index=True)
            out[table] = cast_canonical(combined, table)
    return out
