"""From raw text rows to typed staging rows, and quarantine for everything that fails.

Source: ../shared/spec/export-format.md and ../shared/spec/style.md ("pandera"). Each raw
row of a table ends up either in the typed staging frame or in the quarantine frame with a
reason naming the centre, file, row, column and value. Nothing is fixed silently.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect
from schemas.registry.restricted import QUARANTINE_ROWS
from schemas.staging_models import STAGING_MODELS

BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False,
              "y": True, "n": False, "t": True, "f": False}
ROMAN_GRADES = {"I": "1", "II": "2", "III": "3", "IV": "4"}
#: quarantine.rows as staging builds it (the registry entry; the load time is added on write)
QUARANTINE_COLUMNS = [c.name for c in QUARANTINE_ROWS.columns if c.name != "quarantined_at"]
ISSUE_COLUMNS = ["source_row", "column_name", "value", "rule", "detail"]


#: dataframe-level pandera checks (the registry's row rules): (column named in the reason,
#: other columns shown, rule text)
DATAFRAME_CHECKS: dict[str, tuple[str, tuple[str, ...], str]] = {
    rule.name: (rule.column, rule.shows, rule.reason)
    for spec in CANONICAL_TABLES.values() for rule in spec.row_checks()}


@dataclass
class StagedTable:
    """Typed rows that passed, and one quarantine row per rejected source row.

    ``source`` holds the verbatim text of every row (indexed by ``source_row``), so that a
    rule applied later (cross-table) can quote the value as the centre wrote it.
    """

    table: str
    typed: pd.DataFrame
    quarantine: pd.DataFrame
    source: pd.DataFrame | None = None


def _issues(rows: pd.Series, column: str, values: pd.Series, rule: str,
            detail: str) -> pd.DataFrame:
    return pd.DataFrame({"source_row": rows.to_numpy(), "column_name": column,
                         "value": values.astype(object).to_numpy(), "rule": rule,
                         "detail": detail})


ARROW_STRING = "string[pyarrow]"


def type_column(text: pd.Series, kind: str, field: str, dialect: CentreDialect,
                source_row: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Type one text column with the centre's dialect; return values and typing issues.

    Text and codes come back as Arrow-backed strings (vectorised string operations).
    """
    stripped = text.astype(ARROW_STRING).str.strip()
    s = stripped.mask(stripped.isin(list(dialect.missing)))
    empty = pd.DataFrame(columns=ISSUE_COLUMNS)
    if kind in ("text", "code", "bool"):
        mapping = dialect.value_map(field)
        if mapping:  # vectorised label -> code lookup; unmapped labels keep their text
            mapped = s.map(mapping)
            s = s.where(mapped.isna(), mapped).astype(ARROW_STRING)
    if kind == "text":
        return s, empty
    if kind == "code":
        if field == "grade":
            s = s.replace(ROMAN_GRADES).astype(ARROW_STRING)
        return s, empty
    if kind == "bool":
        lowered = s.str.lower()
        out = lowered.map(BOOL_WORDS).astype("boolean")
        bad = s.notna() & out.isna()
        issues = (_issues(source_row[bad], field, text[bad], "boolean",
                          "is not a yes/no value: neither a label mapped in the centre's "
                          "centre.yaml nor one of true/false, yes/no, 1/0") if bad.any() else empty)
        return out, issues
    if kind == "date":
        out = pd.to_datetime(s, format=dialect.strptime_format, errors="coerce")
        bad = s.notna() & out.isna()
        issues = (_issues(source_row[bad], field, text[bad], "date",
                          f"is not a valid calendar date in the centre's format "
                          f"{dialect.strptime_format!r} (impossible day or month, or another "
                          f"format)")
                  if bad.any() else empty)
        return out.astype("datetime64[ns]"), issues
    # numbers and integers
    numeric_text = s.str.replace(dialect.decimal, ".", regex=False) if dialect.decimal != "." else s
    out = pd.to_numeric(numeric_text, errors="coerce").astype("float64")
    # "inf", "nan" and numbers beyond any plausible count are not values a registry holds
    out = out.where(np.isfinite(out) & (out.abs() < 2.0 ** 53))
    bad = s.notna() & out.isna()
    issues = [_issues(source_row[bad], field, text[bad], "number",
                      f"is not a number (the centre's decimal separator is "
                      f"{dialect.decimal!r})")] if bad.any() else []
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
    spec = CANONICAL_TABLES[table]
    key = list(spec.key)
    # an optional key part (responses.cycle) may be empty: two rows both without it are
    # still the same assessment; only rows missing a required key part are left out here
    required = [c for c in key if spec.column(c).required]
    present = typed.dropna(subset=required)
    dup = present.duplicated(subset=key, keep="first")
    if not dup.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    canon = [c for c in CANONICAL_TABLES[table].column_names]
    exact = present.duplicated(subset=canon, keep="first")
    first_row = present.groupby(key, dropna=False, sort=False)["source_row"].transform("first")
    rows = present[dup]
    details = np.where(exact[dup], "is an exact duplicate of row ",
                       "repeats the key (with different values) of row ")
    detail = [f"{d}{int(r)} (key {', '.join(key)})" for d, r in zip(details, first_row[dup],
                                                                      strict=True)]
    key_text = rows[key].astype(object).where(rows[key].notna(), "").astype(str).agg(
        "|".join, axis=1)
    return pd.DataFrame({"source_row": rows["source_row"].to_numpy(), "column_name": ",".join(key),
                         "value": key_text.to_numpy(), "rule": "unique_key", "detail": detail})


def pandera_issues(typed: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate lazily with the table's pandera model; failure cases become issues."""
    model = STAGING_MODELS[table]
    if typed.empty:  # nothing to validate; skips pandera's fixed cost for absent tables
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    try:
        with warnings.catch_warnings():  # pandera's failure-case concat warns on pandas 2.x
            warnings.simplefilter("ignore", FutureWarning)
            model.validate(typed, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        if fc.empty:
            raise
        frame_level = fc["schema_context"].eq("DataFrameSchema") & fc["check"].isin(
            list(DATAFRAME_CHECKS))
        column_level = fc[~frame_level]
        out = []
        if len(column_level):
            idx = column_level["index"].astype(int).to_numpy()
            check = column_level["check"].astype(str)
            described = {c: describe_check(c) for c in check.unique()}
            out.append(pd.DataFrame({
                "source_row": typed["source_row"].to_numpy()[idx],
                "column_name": column_level["column"].fillna("").astype(str).to_numpy(),
                "value": column_level["failure_case"].astype(object).to_numpy(),
                "rule": check.map(lambda c: described[c][0]).to_numpy(),
                "detail": check.map(lambda c: described[c][1]).to_numpy(),
            }))
        for name, (column, others, text) in DATAFRAME_CHECKS.items():
            hit = fc.loc[frame_level & fc["check"].eq(name), "index"].astype(int).unique()
            if not len(hit):
                continue
            rows = typed.iloc[np.sort(hit)]
            shown = pd.Series("", index=rows.index, dtype="object")
            for i, other in enumerate(others):
                other_text = rows[other].astype(object).where(rows[other].notna(), "(empty)")
                shown = shown + ("" if i == 0 else ", ") + other + " " + other_text.astype(
                    str).map(repr)
            out.append(pd.DataFrame({
                "source_row": rows["source_row"].to_numpy(), "column_name": column,
                "value": rows[column].astype(object).to_numpy(), "rule": name,
                "detail": ("does not fit " + shown + f": {text}").to_numpy(),
            }))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.DataFrame(columns=ISSUE_COLUMNS)


_RANGE_WORDS = {"greater_than_or_equal_to": "is below the minimum",
                "greater_than": "is not above", "less_than_or_equal_to": "is above the maximum",
                "less_than": "is not below", "in_range": "is outside the range"}


def describe_check(check: str) -> tuple[str, str]:
    """A pandera check name as (rule, explanation a data manager can act on)."""
    if check.startswith("isin("):
        codes = check[5:-1].strip("[]").replace("'", "")
        return "allowed_codes", ("is not a known label: the centre's centre.yaml does not map "
                                 f"it and it is not a canonical code ({codes}); a typo, or a "
                                 "label to add to centre.yaml")
    if check == "not_nullable":
        return "required", "is missing (empty or a missing-value marker) but the column is required"
    if check.startswith(("greater_than", "less_than", "in_range")):
        name, _, bound = check.partition("(")
        words = _RANGE_WORDS.get(name, "is out of the plausible range")
        return "range", f"{words} {bound.rstrip(')')} allowed for this column"
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


def short_row_issues(raw: pd.DataFrame) -> pd.DataFrame:
    """Records with fewer fields than their file's header (``raw.missing_fields`` > 0): the
    CSV parser padded them with blanks, so none of their values can be trusted to be in its
    column. Rows loaded before the column existed count as complete."""
    if "missing_fields" not in raw:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    missing = pd.to_numeric(raw["missing_fields"], errors="coerce").fillna(0).astype("int64")
    has = missing > 0
    if not has.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return _issues(raw.loc[has, "source_row"], "(row)",
                   missing[has].map(lambda k: f"{k} of the header's fields missing"),
                   "short_row", "at its end: the record is cut short (fewer fields than the "
                   "header), so its values may not be in their columns")


#: No date in this registry can be earlier (the oldest patients were born after 1900).
EARLIEST_PLAUSIBLE_DATE = pd.Timestamp("1900-01-01")
#: Age at AML diagnosis above this is a date error, not a patient (oldest reported ~ 100).
MAX_AGE_AT_DIAGNOSIS_YEARS = 110


def implausible_date_issues(raw: pd.DataFrame, typed: pd.DataFrame, table: str) -> pd.DataFrame:
    """Dates no real record can hold: before 1900, after the delivery's export date (an
    export cannot contain a later date), and in patients a diagnosis more than 110 years
    after birth. Blocking for the row (issue 18: a birth in 1800 published an age of 222).
    Date order between tables (death before birth, ...) is in :mod:`schemas.cross_table`."""
    spec = CANONICAL_TABLES[table]
    dates = [c.name for c in spec.columns if c.kind == "date"]
    if typed.empty or not dates:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    delivered = pd.to_datetime(raw["delivery"], format="%Y-%m-%d", errors="coerce")
    out = []
    for column in dates:
        values = typed[column]
        early = values.notna() & (values < EARLIEST_PLAUSIBLE_DATE)
        late = values.notna() & delivered.notna() & (values > delivered)
        if early.any():
            out.append(_issues(typed.loc[early, "source_row"], column, raw.loc[early, column],
                               "implausible_date", "is before 1900-01-01: not a plausible "
                               "date for a patient of this registry"))
        if late.any():
            out.append(_issues(typed.loc[late, "source_row"], column, raw.loc[late, column],
                               "implausible_date", "is after the delivery's export date "
                               "(the folder name): an export cannot hold a later date"))
    if table == "patients":
        age = (typed["diagnosis_date"] - typed["birth_date"]).dt.days / 365.25
        old = age.notna() & (age > MAX_AGE_AT_DIAGNOSIS_YEARS)
        if old.any():
            out.append(_issues(typed.loc[old, "source_row"], "birth_date",
                               raw.loc[old, "birth_date"], "implausible_date",
                               f"gives an age at diagnosis above {MAX_AGE_AT_DIAGNOSIS_YEARS} "
                               "years: not a plausible birth date"))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=ISSUE_COLUMNS)


def formula_issues(raw: pd.DataFrame) -> pd.DataFrame:
    """Workbook rows with a formula cell that has no saved value (``raw.formula_cells``):
    openpyxl reads such a cell as empty, which would silently blank e.g. a conditioning
    regimen, so the row is quarantined naming the cells."""
    if "formula_cells" not in raw:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    has = raw["formula_cells"].notna() & raw["formula_cells"].astype(str).ne("")
    if not has.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    cells = raw.loc[has, "formula_cells"].astype(str)
    return _issues(raw.loc[has, "source_row"], "(formula)", cells, "formula_without_value",
                   "are the workbook cell(s) holding a formula without a saved value (read "
                   "as empty): open the workbook in a spreadsheet and save it, or export "
                   "values")


def stage_table(raw: pd.DataFrame, table: str, dialect: CentreDialect) -> StagedTable:
    """Type, validate and split one raw table of one delivery into staging and quarantine.

    ``raw`` holds the raw layer's columns: lineage (centre_id, delivery, file, source_row),
    the canonical columns as text, ``unmapped`` and ``missing_fields``.
    """
    raw, typed, issues = _typed_with_issues(raw, table, dialect)
    issues.append(duplicate_issues(typed, table))
    quarantine = _quarantine_of(raw, issues, table, dialect)
    bad_rows = set(quarantine["source_row"].tolist())
    passing = typed[~typed["source_row"].isin(bad_rows)].reset_index(drop=True)
    return StagedTable(table, passing, quarantine, raw.set_index("source_row", drop=False))


def stage_rows(raw: pd.DataFrame, table: str, dialect: CentreDialect) -> StagedTable:
    """:func:`stage_table` of a chunk of a table's rows, without the rule that needs the
    whole table (repeated keys, :func:`duplicate_issues`): ``typed`` holds every row of the
    chunk (a quarantined one too, for the key comparison done over the whole table later),
    ``quarantine`` the rows failing their own rules. Every other rule judges a row alone."""
    raw, typed, issues = _typed_with_issues(raw, table, dialect)
    return StagedTable(table, typed, _quarantine_of(raw, issues, table, dialect),
                       raw.set_index("source_row", drop=False))


def _typed_with_issues(raw: pd.DataFrame, table: str, dialect: CentreDialect
                       ) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """The raw rows (index reset), every row typed, and the issues of the row-wise rules."""
    spec = CANONICAL_TABLES[table]
    raw = raw.reset_index(drop=True)
    typed = pd.DataFrame({"centre_id": raw["centre_id"].astype(ARROW_STRING),
                          "delivery": raw["delivery"].astype(ARROW_STRING),
                          "file": raw["file"].astype(ARROW_STRING),
                          "source_row": raw["source_row"].astype("int64")})
    issues = [unmapped_issues(raw), short_row_issues(raw), formula_issues(raw)]
    for col in spec.columns:
        values, col_issues = type_column(raw[col.name], col.kind, col.name, dialect,
                                         raw["source_row"])
        typed[col.name] = values
        issues.append(col_issues)
    typing_issues = pd.concat([i for i in issues if len(i)], ignore_index=True) if any(
        len(i) for i in issues) else pd.DataFrame(columns=ISSUE_COLUMNS)
    source = raw.set_index("source_row", drop=False)
    structural = pandera_issues(typed, table)
    if len(structural):
        structural["value"] = verbatim(source, structural["source_row"],
                                       structural["column_name"], structural["value"])
    if len(structural) and len(typing_issues):
        # a value that could not be typed is already explained; its null is a consequence
        seen = set(zip(typing_issues["source_row"], typing_issues["column_name"], strict=True))
        keep = [(r, c) not in seen for r, c in zip(structural["source_row"],
                                                     structural["column_name"], strict=True)]
        structural = structural[keep]
    return raw, typed, [typing_issues, structural, implausible_date_issues(raw, typed, table)]


def _quarantine_of(raw: pd.DataFrame, issues: list[pd.DataFrame], table: str,
                   dialect: CentreDialect) -> pd.DataFrame:
    all_issues = pd.concat([i for i in issues if len(i)], ignore_index=True) if any(
        len(i) for i in issues) else pd.DataFrame(columns=ISSUE_COLUMNS)
    file_by_row = dict(zip(raw["source_row"], raw["file"], strict=True))
    return quarantine_rows(all_issues, dialect.centre_id, raw["delivery"].iloc[0]
                           if len(raw) else "", table, file_by_row)


def key_encoding(typed: pd.DataFrame, table: str) -> pd.Series:
    """Each row's key as one text that is equal exactly when the typed keys are (missing
    equal to missing, as :func:`duplicate_issues` compares them), None where a required key
    part is missing: lets the database find the repeated keys of a whole table."""
    spec = CANONICAL_TABLES[table]
    parts = []
    for c in spec.key:
        values = typed[c]
        text = values.astype(object).where(values.notna(), None).map(
            str, na_action="ignore").astype(ARROW_STRING)
        text = text.str.replace("\\", "\\\\", regex=False).str.replace(
            "|", "\\|", regex=False)
        parts.append(text.fillna("\\N"))
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    required = [c for c in spec.key if spec.column(c).required]
    return out.astype(object).where(typed[required].notna().all(axis=1), None)


def verbatim(source: pd.DataFrame, rows: pd.Series, columns: pd.Series,
             fallback: pd.Series) -> np.ndarray:
    """The text the centre wrote in (row, column); ``fallback`` where it is not a source column."""
    out = fallback.astype(object).to_numpy().copy()
    rows_arr, cols_arr = rows.to_numpy(), columns.to_numpy()
    for col in pd.unique(cols_arr):
        if col not in source.columns:
            continue
        sel = cols_arr == col
        out[sel] = source[col].reindex(rows_arr[sel]).to_numpy()
    return out


def quarantine_rows(issues: pd.DataFrame, centre_id: str, delivery: str, table: str,
                    file_by_row: dict[int, str]) -> pd.DataFrame:
    """One quarantine row per rejected source row; its reason lists every issue of the row."""
    if issues.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    issues = issues.copy()
    issues["source_row"] = issues["source_row"].astype("int64")
    issues["value"] = issues["value"].astype(object).where(issues["value"].notna(), None)
    issues["value"] = issues["value"].map(str, na_action="ignore")
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
                       detail: str | pd.Series, source: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cross-table rule violations as quarantine rows (one per offending staged row).

    ``source`` (verbatim text indexed by source_row) lets the reason quote the value as written;
    ``detail`` is one text for all rows or one per row of ``typed``.
    """
    rows = typed[mask]
    if rows.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    details = ([detail] * len(rows) if isinstance(detail, str)
               else pd.Series(detail).to_numpy()[np.asarray(mask, dtype=bool)])
    if source is not None and column in source.columns:
        values = source[column].reindex(rows["source_row"].to_numpy()).fillna("").astype(str)
        values.index = rows.index
    else:
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
        "reason": [f"centre {c}, file {f}, row {r}, column {column!r}: value {v!r} {d}"
                   for c, f, r, v, d in zip(rows["centre_id"], rows.get("file", ""),
                                            rows["source_row"], values, details, strict=True)],
        "n_issues": 1,
    })[QUARANTINE_COLUMNS]


def pa_version() -> str:
    """pandera version, recorded in refresh metadata."""
    return pa.__version__ if hasattr(pa, "__version__") else "unknown"
