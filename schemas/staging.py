"""From raw text rows to typed staging rows, and quarantine for everything that fails.

Source: ../shared/spec/export-format.md and ../shared/spec/style.md ("pandera"). Each raw
row of a table ends up either in the typed staging frame or in the quarantine frame with a
reason naming the centre, file, row, column and value. Nothing is fixed silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect
from schemas.staging_models import STAGING_MODELS

BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False,
              "y": True, "n": False, "t": True, "f": False}
ROMAN_GRADES = {"I": "1", "II": "2", "III": "3", "IV": "4"}
QUARANTINE_COLUMNS = ["centre_id", "delivery", "table_name", "file", "source_row", "column_name",
                      "value", "rule", "reason", "n_issues"]
ISSUE_COLUMNS = ["source_row", "column_name", "value", "rule", "detail"]


@dataclass
class StagedTable:
    """Typed rows that passed, and one quarantine row per rejected source row."""

    table: str
    typed: pd.DataFrame
    quarantine: pd.DataFrame


def _issues(rows: pd.Series, column: str, values: pd.Series, rule: str,
            detail: str) -> pd.DataFrame:
    return pd.DataFrame({"source_row": rows.to_numpy(), "column_name": column,
                         "value": values.astype(object).to_numpy(), "rule": rule,
                         "detail": detail})


def _missing_mask(text: pd.Series, dialect: CentreDialect) -> pd.Series:
    stripped = text.astype("string").str.strip()
    return stripped.isna() | stripped.isin(list(dialect.missing))


def type_column(text: pd.Series, kind: str, field: str, dialect: CentreDialect,
                source_row: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Type one text column with the centre's dialect; return values and typing issues."""
    missing = _missing_mask(text, dialect)
    s = text.astype("string").str.strip().mask(missing)
    empty = pd.DataFrame(columns=ISSUE_COLUMNS)
    if kind in ("text", "code", "bool"):
        mapping = dialect.value_map(field)
        if mapping:
            s = s.map(lambda v: mapping.get(v, v) if v is not pd.NA else v, na_action="ignore")
            s = s.astype("string")
    if kind == "text":
        return s.astype(object).where(s.notna(), None), empty
    if kind == "code":
        if field == "grade":
            s = s.replace(ROMAN_GRADES)
        return s.astype(object).where(s.notna(), None), empty
    if kind == "bool":
        lowered = s.str.lower()
        out = lowered.map(BOOL_WORDS.get, na_action="ignore").astype("boolean")
        bad = s.notna() & out.isna()
        issues = (_issues(source_row[bad], field, text[bad], "boolean",
                          "is not a yes/no value known to the dialect") if bad.any() else empty)
        return out, issues
    if kind == "date":
        out = pd.to_datetime(s, format=dialect.strptime_format, errors="coerce")
        bad = s.notna() & out.isna()
        issues = (_issues(source_row[bad], field, text[bad], "date",
                          f"is not a valid date in format {dialect.date_format!r}")
                  if bad.any() else empty)
        return out.astype("datetime64[ns]"), issues
    # numbers and integers
    numeric_text = s.str.replace(dialect.decimal, ".", regex=False) if dialect.decimal != "." else s
    out = pd.to_numeric(numeric_text, errors="coerce").astype("float64")
    bad = s.notna() & out.isna()
    issues = [_issues(source_row[bad], field, text[bad], "number",
                      f"is not a number (decimal separator {dialect.decimal!r})")] if bad.any() else []
    if kind == "int":
        fractional = out.notna() & (out != np.round(out))
        if fractional.any():
            issues.append(_issues(source_row[fractional], field, text[fractional], "integer",
                                  "is not a whole number"))
        out = out.mask(fractional).round().astype("Int64")
    elif dialect.units.get(field) == "percent":
        out = out / 100.0
    return out, (pd.concat(issues, ignore_index=True) if issues else empty)


def duplicate_issues(typed: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows repeating an earlier row's key: exact copies and conflicting duplicates."""
    key = list(CANONICAL_TABLES[table].key)
    present = typed.dropna(subset=key)
    dup = present.duplicated(subset=key, keep="first")
    if not dup.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    canon = [c for c in CANONICAL_TABLES[table].column_names]
    exact = present.duplicated(subset=canon, keep="first")
    first_row = present.groupby(key, dropna=True, sort=False)["source_row"].transform("first")
    rows = present[dup]
    details = np.where(exact[dup], "is an exact duplicate of row ", "repeats the key of row ")
    detail = [f"{d}{int(r)} (key {', '.join(key)})" for d, r in zip(details, first_row[dup],
                                                                      strict=True)]
    key_text = rows[key].astype(str).agg("|".join, axis=1)
    return pd.DataFrame({"source_row": rows["source_row"].to_numpy(), "column_name": ",".join(key),
                         "value": key_text.to_numpy(), "rule": "unique_key", "detail": detail})


def pandera_issues(typed: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate lazily with the table's pandera model; failure cases become issues."""
    model = STAGING_MODELS[table]
    try:
        model.validate(typed, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        if fc.empty:
            raise
        idx = fc["index"].astype(int).to_numpy()
        column = fc["column"].fillna("").astype(str).to_numpy()
        check = fc["check"].astype(str).to_numpy()
        rules, details = zip(*(describe_check(c) for c in check), strict=True)
        return pd.DataFrame({
            "source_row": typed["source_row"].to_numpy()[idx],
            "column_name": column,
            "value": fc["failure_case"].astype(object).to_numpy(),
            "rule": rules,
            "detail": details,
        })
    return pd.DataFrame(columns=ISSUE_COLUMNS)


def describe_check(check: str) -> tuple[str, str]:
    """A pandera check name as (rule, human-readable explanation)."""
    if check.startswith("isin("):
        return "allowed_codes", (f"is neither a label the centre dialect maps nor a canonical "
                                 f"code {check[5:-1]}")
    if check == "not_nullable":
        return "required", "is missing but the column is required"
    if check.startswith(("greater_than", "less_than", "in_range")):
        return "range", f"is out of the plausible range ({check})"
    if check.startswith(("str_matches", "str_length")):
        return "format", f"does not have the expected form ({check})"
    if check.startswith("dtype("):
        return "type", f"has the wrong type ({check})"
    return check, f"fails the rule {check}"


def unmapped_issues(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows with values in source columns the dialect does not know."""
    has = raw["unmapped"].notna()
    if not has.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return _issues(raw.loc[has, "source_row"], "(unmapped)", raw.loc[has, "unmapped"],
                   "unknown_column", "comes from source column(s) the centre dialect does not map")


def stage_table(raw: pd.DataFrame, table: str, dialect: CentreDialect) -> StagedTable:
    """Type, validate and split one raw table of one delivery into staging and quarantine.

    ``raw`` holds the raw layer's columns: lineage (centre_id, delivery, file, source_row),
    the canonical columns as text, and ``unmapped``.
    """
    spec = CANONICAL_TABLES[table]
    raw = raw.reset_index(drop=True)
    typed = pd.DataFrame({"centre_id": raw["centre_id"].astype(object),
                          "delivery": raw["delivery"].astype(object),
                          "file": raw["file"].astype(object),
                          "source_row": raw["source_row"].astype("int64")})
    issues = [unmapped_issues(raw)]
    for col in spec.columns:
        values, col_issues = type_column(raw[col.name], col.kind, col.name, dialect,
                                         raw["source_row"])
        typed[col.name] = values
        issues.append(col_issues)
    typing_issues = pd.concat([i for i in issues if len(i)], ignore_index=True) if any(
        len(i) for i in issues) else pd.DataFrame(columns=ISSUE_COLUMNS)
    structural = pandera_issues(typed, table)
    if len(structural) and len(typing_issues):
        # a value that could not be typed is already explained; its null is a consequence
        seen = set(zip(typing_issues["source_row"], typing_issues["column_name"], strict=True))
        keep = [(r, c) not in seen for r, c in zip(structural["source_row"],
                                                     structural["column_name"], strict=True)]
        structural = structural[keep]
    issues = [typing_issues, structural]
    issues.append(duplicate_issues(typed, table))
    all_issues = pd.concat([i for i in issues if len(i)], ignore_index=True) if any(
        len(i) for i in issues) else pd.DataFrame(columns=ISSUE_COLUMNS)
    file_by_row = dict(zip(raw["source_row"], raw["file"], strict=True))
    quarantine = quarantine_rows(all_issues, dialect.centre_id, raw["delivery"].iloc[0]
                                 if len(raw) else "", table, file_by_row)
    bad_rows = set(quarantine["source_row"].tolist())
    passing = typed[~typed["source_row"].isin(bad_rows)].reset_index(drop=True)
    return StagedTable(table, passing, quarantine)


def quarantine_rows(issues: pd.DataFrame, centre_id: str, delivery: str, table: str,
                    file_by_row: dict[int, str]) -> pd.DataFrame:
    """One quarantine row per rejected source row; its reason lists every issue of the row."""
    if issues.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    issues = issues.copy()
    issues["source_row"] = issues["source_row"].astype("int64")
    issues["value"] = issues["value"].map(lambda v: None if v is None or v is pd.NA
                                          or (isinstance(v, float) and np.isnan(v)) else str(v))
    issues["file"] = issues["source_row"].map(file_by_row)
    issues["text"] = [
        f"centre {centre_id}, file {f}, row {r}, column {c!r}: value {v!r} {d}"
        for f, r, c, v, d in zip(issues["file"], issues["source_row"], issues["column_name"],
                                 issues["value"], issues["detail"], strict=True)
    ]
    issues = issues.sort_values(["source_row"], kind="stable")
    grouped = issues.groupby("source_row", sort=True)
    first = grouped.first()
    out = pd.DataFrame({
        "centre_id": centre_id,
        "delivery": delivery,
        "table_name": table,
        "file": first["file"],
        "source_row": first.index.astype("int64"),
        "column_name": first["column_name"],
        "value": first["value"],
        "rule": first["rule"],
        "reason": grouped["text"].agg("; ".join),
        "n_issues": grouped.size().astype("int64"),
    })
    return out.reset_index(drop=True)[QUARANTINE_COLUMNS]


def quarantine_by_rule(typed: pd.DataFrame, mask: pd.Series, table: str, column: str, rule: str,
                       detail: str) -> pd.DataFrame:
    """Cross-table rule violations as quarantine rows (one per offending staged row)."""
    rows = typed[mask]
    if rows.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    values = rows[column].astype(str) if column in rows else pd.Series("", index=rows.index)
    return pd.DataFrame({
        "centre_id": rows["centre_id"].to_numpy(),
        "delivery": rows["delivery"].to_numpy(),
        "table_name": table,
        "file": rows["file"].to_numpy() if "file" in rows else None,
        "source_row": rows["source_row"].astype("int64").to_numpy(),
        "column_name": column,
        "value": values.to_numpy(),
        "rule": rule,
        "reason": [f"centre {c}, file {f}, row {r}, column {column!r}: value {v!r} {detail}"
                   for c, f, r, v in zip(rows["centre_id"], rows.get("file", ""),
                                         rows["source_row"], values, strict=True)],
        "n_issues": 1,
    })[QUARANTINE_COLUMNS]


def pa_version() -> str:
    """pandera version, recorded in refresh metadata."""
    return pa.__version__ if hasattr(pa, "__version__") else "unknown"
