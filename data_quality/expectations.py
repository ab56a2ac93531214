"""Registry-level expectations generated from the data dictionary, validated into data docs.

Source: ../shared/spec/style.md ("OHDSI Data Quality Dashboard", "great-expectations 1.x")
and :mod:`schemas.canonical`. Every expectation is generated from ``CANONICAL_TABLES`` (plus
a few registry-level rules on a derived one-row-per-patient profile) in the three kinds of
the OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021; Kahn et al., eGEMs 2016):

* conformance: columns exist, keys are unique, codes are in the allowed set, values are
  within the dictionary's range;
* completeness: required columns are not null; key optional fields are filled for most
  patients of every centre (one expectation per centre, with a ``mostly`` threshold);
* plausibility: distributions and dates that are possible but suspicious when off.

Each expectation carries its threshold (``mostly``) and its kind in ``meta``. The suites are
validated with a great-expectations 1.x file-mode context whose data-docs site is written
to a fixed folder (``out_dir``), and every result is returned as one tidy row.

Pure library: no Dagster import; great-expectations is imported lazily (its import is slow),
with ``GX_ANALYTICS_ENABLED=false`` set before. Nothing here needs the network.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from schemas.canonical import CANONICAL_TABLES, CanonicalColumn

os.environ["GX_ANALYTICS_ENABLED"] = "false"

Kind = Literal["conformance", "completeness", "plausibility"]
KINDS: tuple[Kind, ...] = ("conformance", "completeness", "plausibility")
LINEAGE_COLUMNS: tuple[str, ...] = ("centre_id", "delivery", "file", "source_row")
PROFILE_SUITE = "patient_profile"
SITE_NAME = "registry_data_docs"
DQD_REFERENCE = "OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021)"
#: GX data-docs site entries that a rebuild replaces inside ``out_dir`` (nothing else is touched).
SITE_ENTRIES: tuple[str, ...] = ("index.html", "static", "expectations", "validations",
                                 "profiling")

RESULT_COLUMNS: list[str] = [
    "run_name", "suite", "table_name", "kind", "check_name", "expectation", "column_name",
    "centre_id", "success", "status", "observed_value", "unexpected_count", "element_count",
    "unexpected_percent", "threshold", "expected", "unexpected_examples", "rows_total",
    "rows_validated", "sampled", "description",
]
SUITE_COLUMNS: list[str] = [
    "run_name", "suite", "rows_total", "rows_validated", "sampled", "evaluated", "successful",
    "unsuccessful", "not_applicable", "seconds",
]

# Aggregate expectations have no per-row domain: on an empty batch they are not applicable
# (DQD reports such checks as "not applicable" rather than failed).
AGGREGATE_EXPECTATIONS = frozenset({"expect_column_mean_to_be_between"})
# Unexpected values are only echoed for codes and numbers (never dates or free text, which
# can be quasi-identifying).
EXAMPLE_KINDS = frozenset({"code", "int", "number"})


@dataclass(frozen=True)
class DataQualityThresholds:
    """Thresholds of the generated checks (``mostly`` = share of rows that must pass).

    DQD expresses a threshold as the share of failing rows allowed; ``mostly`` is 1 minus it.
    """

    conformance_mostly: float = 1.0
    required_mostly: float = 1.0
    #: per-centre completeness of key optional fields (columns of the patient profile)
    centre_completeness: Mapping[str, float] = field(default_factory=lambda: {
        "karyotype_done": 0.80,
        "npm1_tested": 0.80,
        "flt3_tested": 0.80,
        "tp53_tested": 0.70,
        "mrd_before_hsct": 0.50,
    })
    age_at_diagnosis_min: float = 18.0
    age_at_diagnosis_max: float = 90.0
    age_at_diagnosis_mostly: float = 0.95
    female_share_min: float = 0.30
    female_share_max: float = 0.70
    max_hsct_per_patient: int = 2
    hsct_per_patient_mostly: float = 0.98
    #: transplant dates must fall within the registry years
    registry_first_year: int = 2000
    #: last registry year; None = the current calendar year (no date may lie after it)
    registry_last_year: int | None = None
    earliest_birth_year: int = 1900
    date_order_mostly: float = 1.0
    #: MRD counts as "before transplant" when sampled at most this many days before day 0
    mrd_before_hsct_window_days: int = 100
    max_years_diagnosis_to_hsct: float = 15.0

    @property
    def last_year(self) -> int:
        return self.registry_last_year if self.registry_last_year is not None \
            else date.today().year


@dataclass(frozen=True)
class ExpectationSpec:
    """One generated expectation, independent of great-expectations (pure data)."""

    suite: str
    kind: Kind
    check_name: str
    expectation: str
    column: str | None
    kwargs: dict[str, Any]
    mostly: float | None
    description: str
    centre: str | None = None
    column_kind: str | None = None

    @property
    def spec_id(self) -> str:
        return f"{self.suite}|{self.expectation}|{self.column}|{self.centre or ''}"

    @property
    def expected(self) -> str:
        """The rule in words, e.g. ``in {female, male}`` or ``between 0 and 1``."""
        kw = self.kwargs
        if "value_set" in kw:
            return "in {" + ", ".join(str(v) for v in kw["value_set"]) + "}"
        if "min_value" in kw or "max_value" in kw:
            lo, hi = (_fmt(kw.get("min_value")), _fmt(kw.get("max_value")))
            return f"between {lo} and {hi}" if lo and hi else (f">= {lo}" if lo else f"<= {hi}")
        if self.expectation == "expect_column_values_to_not_be_null":
            return "not null"
        if self.expectation == "expect_column_to_exist":
            return "column exists"
        if self.expectation == "expect_compound_columns_to_be_unique":
            return "unique (" + ", ".join(kw["column_list"]) + ")"
        if self.expectation == "expect_column_pair_values_a_to_be_greater_than_b":
            op = ">=" if kw.get("or_equal") else ">"
            return f"{kw['column_A']} {op} {kw['column_B']}"
        return ""


@dataclass(frozen=True)
class SuiteSummary:
    """Counts of one suite (one canonical table, or the derived patient profile)."""

    suite: str
    rows_total: int
    rows_validated: int
    sampled: bool
    evaluated: int
    successful: int
    not_applicable: int
    #: wall-clock seconds of this suite's checkpoint run (validation + data-docs update)
    seconds: float = 0.0

    @property
    def unsuccessful(self) -> int:
        return self.evaluated - self.successful


@dataclass
class DataDocsSummary:
    """What :func:`build_data_docs` produced: where the docs are, counts, every result."""

    run_name: str
    out_dir: Path
    index_path: Path
    suites: dict[str, SuiteSummary]
    results: pd.DataFrame
    sampled_tables: tuple[str, ...]
    max_rows_per_table: int | None
    notes: list[str]
    duration_seconds: float

    @property
    def evaluated(self) -> int:
        return sum(s.evaluated for s in self.suites.values())

    @property
    def successful(self) -> int:
        return sum(s.successful for s in self.suites.values())

    @property
    def success(self) -> bool:
        return self.evaluated == self.successful

    def suite_frame(self) -> pd.DataFrame:
        """One row per suite (``SUITE_COLUMNS``), e.g. for ``quality.expectation_suites``."""
        rows = [{"run_name": self.run_name, "suite": s.suite, "rows_total": s.rows_total,
                 "rows_validated": s.rows_validated, "sampled": s.sampled,
                 "evaluated": s.evaluated, "successful": s.successful,
                 "unsuccessful": s.unsuccessful, "not_applicable": s.not_applicable,
                 "seconds": round(s.seconds, 3)}
                for s in self.suites.values()]
        return pd.DataFrame(rows, columns=SUITE_COLUMNS)


# --------------------------------------------------------------------------- generation

def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, pd.Timestamp | datetime):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _date_bounds(table: str, col: CanonicalColumn,
                 t: DataQualityThresholds) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    hi = pd.Timestamp(f"{t.last_year}-12-31")
    if table == "transplants" and col.name == "hsct_date":
        return pd.Timestamp(f"{t.registry_first_year}-01-01"), hi
    if col.name == "birth_date":
        return pd.Timestamp(f"{t.earliest_birth_year}-01-01"), hi
    return None, hi


# (table, later column, earlier column, or_equal): DQD plausibleTemporalAfter within a table
DATE_ORDER: tuple[tuple[str, str, str, bool], ...] = (
    ("patients", "diagnosis_date", "birth_date", False),
    ("treatment_lines", "end_date", "start_date", True),
    ("followup", "last_contact_date", "death_date", True),
    ("followup", "last_contact_date", "relapse_date", True),
    ("followup", "death_date", "relapse_date", True),
)


def _table_specs(name: str, t: DataQualityThresholds) -> list[ExpectationSpec]:
    table = CANONICAL_TABLES[name]
    specs: list[ExpectationSpec] = []
    for col_name in ("centre_id", *table.column_names):
        specs.append(ExpectationSpec(
            name, "conformance", "field_exists", "expect_column_to_exist", col_name,
            {"column": col_name}, None, f"{name}.{col_name} is present"))
    key = ["centre_id", *table.key]
    specs.append(ExpectationSpec(
        name, "conformance", "primary_key_unique", "expect_compound_columns_to_be_unique",
        ",".join(key), {"column_list": key}, t.conformance_mostly,
        f"one {name} row per ({', '.join(key)})"))
    for col in table.columns:
        if col.codes:
            specs.append(ExpectationSpec(
                name, "conformance", "code_in_set", "expect_column_values_to_be_in_set",
                col.name, {"column": col.name, "value_set": list(col.codes)},
                t.conformance_mostly, f"{name}.{col.name} uses the canonical codes",
                column_kind=col.kind))
        if col.minimum is not None or col.maximum is not None:
            kw: dict[str, Any] = {"column": col.name}
            if col.minimum is not None:
                kw["min_value"] = col.minimum
            if col.maximum is not None:
                kw["max_value"] = col.maximum
            specs.append(ExpectationSpec(
                name, "conformance", "value_in_range", "expect_column_values_to_be_between",
                col.name, kw, t.conformance_mostly,
                f"{name}.{col.name} within the data dictionary's range", column_kind=col.kind))
        if col.required:
            specs.append(ExpectationSpec(
                name, "completeness", "is_required", "expect_column_values_to_not_be_null",
                col.name, {"column": col.name}, t.required_mostly,
                f"{name}.{col.name} is required", column_kind=col.kind))
        if col.kind == "date":
            lo, hi = _date_bounds(name, col, t)
            kw = {"column": col.name, "max_value": hi}
            if lo is not None:
                kw["min_value"] = lo
            what = ("within the registry years" if lo is not None and col.name == "hsct_date"
                    else "not in the future" if lo is None else "plausible")
            specs.append(ExpectationSpec(
                name, "plausibility", "plausible_date", "expect_column_values_to_be_between",
                col.name, kw, t.date_order_mostly, f"{name}.{col.name} {what}",
                column_kind=col.kind))
    for tbl, later, earlier, or_equal in DATE_ORDER:
        if tbl == name:
            specs.append(ExpectationSpec(
                name, "plausibility", "plausible_temporal_order",
                "expect_column_pair_values_a_to_be_greater_than_b", f"{later}>{earlier}",
                {"column_A": later, "column_B": earlier, "or_equal": or_equal,
                 "ignore_row_if": "either_value_is_missing"},
                t.date_order_mostly, f"{name}.{later} not before {earlier}"))
    return specs


PROFILE_LABELS: dict[str, str] = {
    "karyotype_done": "karyotype reported",
    "npm1_tested": "NPM1 tested",
    "flt3_tested": "FLT3 tested",
    "tp53_tested": "TP53 tested",
    "mrd_before_hsct": "MRD measured before the first transplant (transplanted patients)",
}


def _profile_specs(t: DataQualityThresholds, centres: list[str]) -> list[ExpectationSpec]:
    s = PROFILE_SUITE
    specs = [
        ExpectationSpec(
            s, "plausibility", "plausible_value", "expect_column_values_to_be_between",
            "age_at_diagnosis", {"column": "age_at_diagnosis",
                                 "min_value": t.age_at_diagnosis_min,
                                 "max_value": t.age_at_diagnosis_max},
            t.age_at_diagnosis_mostly, "age at diagnosis (years) of an adult registry",
            column_kind="number"),
        ExpectationSpec(
            s, "plausibility", "plausible_distribution", "expect_column_mean_to_be_between",
            "is_female", {"column": "is_female", "min_value": t.female_share_min,
                          "max_value": t.female_share_max},
            None, "share of female patients", column_kind="number"),
        ExpectationSpec(
            s, "plausibility", "plausible_value", "expect_column_values_to_be_between",
            "hsct_count", {"column": "hsct_count", "min_value": 0,
                           "max_value": t.max_hsct_per_patient},
            t.hsct_per_patient_mostly, "allogeneic transplants per patient", column_kind="int"),
        ExpectationSpec(
            s, "plausibility", "plausible_temporal_order", "expect_column_values_to_be_between",
            "years_diagnosis_to_hsct", {"column": "years_diagnosis_to_hsct", "min_value": 0.0,
                                        "max_value": t.max_years_diagnosis_to_hsct},
            t.date_order_mostly, "first transplant after diagnosis (DQD plausibleDuringLife)",
            column_kind="number"),
    ]
    for col, mostly in t.centre_completeness.items():
        for centre in centres:
            specs.append(ExpectationSpec(
                s, "completeness", "centre_completeness", "expect_column_values_to_be_in_set",
                col, {"column": col, "value_set": [True]}, mostly,
                f"{PROFILE_LABELS.get(col, col)} at centre {centre}", centre=centre,
                column_kind="bool"))
    return specs


def generate_expectation_specs(thresholds: DataQualityThresholds | None = None,
                               centres: list[str] | tuple[str, ...] = ()
                               ) -> list[ExpectationSpec]:
    """All expectations, generated from ``CANONICAL_TABLES`` (DQD: Blacketer et al., JAMIA 2021).

    One suite per canonical table plus ``patient_profile`` (registry-level completeness per
    centre and plausibility of distributions); ``centres`` gives the per-centre checks.
    """
    t = thresholds or DataQualityThresholds()
    specs: list[ExpectationSpec] = []
    for name in CANONICAL_TABLES:
        specs.extend(_table_specs(name, t))
    specs.extend(_profile_specs(t, sorted(centres)))
    return specs


# --------------------------------------------------------------------------- the profile

_DTYPES: dict[str, str] = {"date": "datetime64[ns]", "int": "Int64", "number": "float64",
                           "bool": "boolean", "text": "object", "code": "object"}


def _typed_table(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """The table as given; a missing or column-less empty table becomes an empty typed frame."""
    df = tables.get(name)
    if df is not None and (len(df) > 0 or len(df.columns) > 0):
        if len(df) == 0:  # empty with a header: add absent canonical columns, typed
            df = df.copy()
            for col in CANONICAL_TABLES[name].columns:
                if col.name not in df.columns:
                    df[col.name] = pd.Series(dtype=_DTYPES[col.kind])
        return df
    cols: dict[str, pd.Series] = {c: pd.Series(dtype="object") for c in LINEAGE_COLUMNS}
    cols["source_row"] = pd.Series(dtype="Int64")
    for col in CANONICAL_TABLES[name].columns:
        cols[col.name] = pd.Series(dtype=_DTYPES[col.kind])
    return pd.DataFrame(cols)


def _has(df: pd.DataFrame, *cols: str) -> bool:
    return all(c in df.columns for c in cols)


def _patient_hash(df: pd.DataFrame) -> np.ndarray:
    """64-bit hash of (centre_id, patient_id) per row: fast joins on millions of rows."""
    if len(df) == 0:
        return np.zeros(0, dtype="uint64")
    return pd.util.hash_pandas_object(df[["centre_id", "patient_id"]], index=False,
                                     categorize=False).to_numpy()


def build_patient_profile(tables: Mapping[str, pd.DataFrame],
                          thresholds: DataQualityThresholds | None = None) -> pd.DataFrame:
    """One row per patient with the registry-level measures the profile suite checks.

    Columns: centre_id, patient_id, age_at_diagnosis (years), is_female (1/0), karyotype_done,
    npm1/flt3/tp53_tested (a mutations row exists for the gene), hsct_count, mrd_before_hsct
    (NA when not transplanted), years_diagnosis_to_hsct (first transplant; NA when none).
    Patients are matched across tables on a 64-bit hash of (centre_id, patient_id).
    """
    t = thresholds or DataQualityThresholds()
    p = _typed_table(tables, "patients").reset_index(drop=True)
    key = ["centre_id", "patient_id"]
    out = p[key].astype(object)
    out_h = _patient_hash(p)
    if _has(p, "birth_date", "diagnosis_date"):
        age = (p["diagnosis_date"] - p["birth_date"]).dt.days / 365.25
        out["age_at_diagnosis"] = age.astype("float64")
    else:
        out["age_at_diagnosis"] = np.nan
    sex = p["sex"] if "sex" in p.columns else pd.Series(None, index=p.index, dtype=object)
    out["is_female"] = sex.map({"female": 1.0, "male": 0.0}).astype("float64")
    kar = (p["karyotype"] if "karyotype" in p.columns
           else pd.Series(None, index=p.index, dtype=object))
    done = kar.notna() & (kar.astype("string").str.strip().fillna("") != "")
    out["karyotype_done"] = pd.array(done.to_numpy(dtype=bool), dtype="boolean")

    m = _typed_table(tables, "mutations")
    genes = m["gene"] if "gene" in m.columns else pd.Series(None, index=m.index, dtype=object)
    m_h = _patient_hash(m)
    for gene in ("NPM1", "FLT3", "TP53"):  # HGNC symbols, as staging delivers them
        tested = np.isin(out_h, m_h[genes.eq(gene).fillna(False).to_numpy(dtype=bool)])
        out[f"{gene.lower()}_tested"] = pd.array(tested, dtype="boolean")

    tr = _typed_table(tables, "transplants")
    hsct = (tr["hsct_date"] if "hsct_date" in tr.columns
            else pd.Series(pd.NaT, index=tr.index, dtype="datetime64[ns]"))
    known = hsct.notna().to_numpy()
    per_patient = (pd.Series(hsct.to_numpy()[known], index=_patient_hash(tr)[known])
                   .groupby(level=0).agg(["size", "min"]))
    out["hsct_count"] = pd.array(per_patient["size"].reindex(out_h).fillna(0)
                                 .astype("int64").to_numpy(), dtype="Int64")
    first_hsct = pd.Series(per_patient["min"].reindex(out_h).to_numpy(), index=out.index,
                           dtype="datetime64[ns]")
    if "diagnosis_date" in p.columns:
        gap = (first_hsct - p["diagnosis_date"]).dt.days / 365.25
        out["years_diagnosis_to_hsct"] = gap.astype("float64")
    else:
        out["years_diagnosis_to_hsct"] = np.nan

    mrd = _typed_table(tables, "mrd")
    before = np.zeros(len(out), dtype=bool)
    if len(mrd) and "sample_date" in mrd.columns and len(per_patient):
        mrd_h = _patient_hash(mrd)
        first_of_mrd = pd.Series(mrd_h).map(per_patient["min"]).to_numpy(dtype="datetime64[ns]")
        days = (first_of_mrd - mrd["sample_date"].to_numpy(dtype="datetime64[ns]")) \
            / np.timedelta64(1, "D")
        ok = (days >= 0) & (days <= t.mrd_before_hsct_window_days)  # NaN/NaT compare False
        before = np.isin(out_h, mrd_h[ok])
    flag = pd.array(before, dtype="boolean")
    flag[first_hsct.isna().to_numpy()] = pd.NA
    out["mrd_before_hsct"] = flag
    return out


# --------------------------------------------------------------------------- validation

def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _to_gx(spec: ExpectationSpec, gxe: Any, column_cls: Any) -> Any:
    kwargs = dict(spec.kwargs)
    if spec.mostly is not None and spec.expectation not in (
            "expect_column_to_exist", *AGGREGATE_EXPECTATIONS):
        kwargs["mostly"] = spec.mostly
    if spec.centre is not None:
        kwargs["row_condition"] = column_cls("centre_id") == spec.centre
    meta = {"kind": spec.kind, "check_name": spec.check_name, "spec_id": spec.spec_id,
            "threshold_mostly": spec.mostly, "centre_id": spec.centre,
            "source": DQD_REFERENCE}
    notes = (f"**{spec.kind}** ({spec.check_name}): {spec.description}"
             + (f"; threshold mostly = {spec.mostly:g}" if spec.mostly is not None else ""))
    return getattr(gxe, _camel(spec.expectation))(meta=meta, notes=notes, **kwargs)


def _raised(exception_info: Any) -> bool:
    if not exception_info:
        return False
    if "raised_exception" in exception_info:
        return bool(exception_info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception")
               for v in exception_info.values())


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool | np.bool_):
        return None if v is None else float(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _examples(spec: ExpectationSpec, result: Mapping[str, Any]) -> str | None:
    if spec.column_kind not in EXAMPLE_KINDS or spec.expectation not in (
            "expect_column_values_to_be_in_set", "expect_column_values_to_be_between"):
        return None
    counts = result.get("partial_unexpected_counts") or []
    parts = [f"{c.get('value')} ({c.get('count')})" for c in counts[:5] if isinstance(c, dict)]
    return "; ".join(parts) or None


def _result_row(spec: ExpectationSpec, success: bool | None, status: str,
                result: Mapping[str, Any]) -> dict[str, Any]:
    unexpected_pct = _num(result.get("unexpected_percent"))
    if spec.expectation in AGGREGATE_EXPECTATIONS:
        observed = _num(result.get("observed_value"))
    elif unexpected_pct is not None:
        observed = 1.0 - unexpected_pct / 100.0
    else:
        observed = None
    return {
        "suite": spec.suite, "table_name": spec.suite, "kind": spec.kind,
        "check_name": spec.check_name, "expectation": spec.expectation,
        "column_name": spec.column, "centre_id": spec.centre, "success": success,
        "status": status, "observed_value": observed,
        "unexpected_count": result.get("unexpected_count"),
        "element_count": result.get("element_count"),
        "unexpected_percent": unexpected_pct, "threshold": spec.mostly,
        "expected": spec.expected, "unexpected_examples": _examples(spec, result),
        "description": spec.description,
    }


def _clear_site(out_dir: Path) -> None:
    """Remove a previous data-docs site from ``out_dir`` (only GX's own entries)."""
    for entry in SITE_ENTRIES:
        p = out_dir / entry
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _suite_notes(suite: str, rows_total: int, rows_validated: int, seed: int,
                 skipped: list[ExpectationSpec]) -> list[str]:
    if suite == PROFILE_SUITE:
        what = ("Derived table, one row per patient: age at diagnosis, sex, karyotype and "
                "NPM1/FLT3/TP53 testing, transplants and MRD before the first transplant.")
    else:
        what = CANONICAL_TABLES[suite].description + "."
    notes = [what,
             "Expectations generated from the canonical data dictionary (schemas/canonical.py) "
             f"in the three kinds of the {DQD_REFERENCE}: conformance, completeness, "
             "plausibility. Each expectation's meta carries its kind and threshold (mostly).",
             f"Rows: {rows_total:,}."]
    if rows_validated < rows_total:
        notes.append(f"**Sampled:** validated on a deterministic random sample of "
                     f"{rows_validated:,} of {rows_total:,} rows (pandas DataFrame.sample, "
                     f"random_state={seed}); counts and shares are sample estimates.")
    if skipped:
        notes.append("Not applicable on an empty table (not run): "
                     + ", ".join(f"{s.expectation}({s.column})" for s in skipped) + ".")
    return notes


def build_data_docs(tables: dict[str, pd.DataFrame], out_dir: Path, run_name: str,
                    thresholds: DataQualityThresholds | None = None, *,
                    max_rows_per_table: int | None = 200_000,
                    sample_seed: int = 20261123) -> DataDocsSummary:
    """Validate the staging tables against the generated suites and write data docs.

    Checks in the OHDSI DQD kinds (Blacketer et al., JAMIA 2021). ``tables``: typed staging
    frames keyed by canonical table name (missing tables count as empty). The data-docs site
    (``out_dir/index.html``) is rebuilt in ``out_dir`` from a great-expectations file-mode
    context in a temporary folder. Tables (and the patient profile) above
    ``max_rows_per_table`` rows are validated on a deterministic sample
    (``random_state=sample_seed``), noted in the summary and on the suite's page.
    """
    started = time.perf_counter()
    t = thresholds or DataQualityThresholds()
    out_dir = Path(out_dir).resolve()

    frames: dict[str, pd.DataFrame] = {n: _typed_table(tables, n) for n in CANONICAL_TABLES}
    frames[PROFILE_SUITE] = build_patient_profile(frames, t)
    centres = sorted(str(c) for c in frames[PROFILE_SUITE]["centre_id"].dropna().unique())
    specs = generate_expectation_specs(t, centres)

    rows_total: dict[str, int] = {}
    to_validate: dict[str, pd.DataFrame] = {}
    for name, df in frames.items():
        rows_total[name] = len(df)
        if max_rows_per_table is not None and len(df) > max_rows_per_table:
            df = df.sample(n=max_rows_per_table, random_state=sample_seed).sort_index()
        to_validate[name] = df

    import great_expectations as gx  # noqa: PLC0415 (slow import, kept out of module load)
    import great_expectations.expectations as gxe  # noqa: PLC0415
    from great_expectations.checkpoint import UpdateDataDocsAction  # noqa: PLC0415
    from great_expectations.core.run_identifier import RunIdentifier  # noqa: PLC0415
    from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: PLC0415
    from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_site(out_dir)
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    rows: list[dict[str, Any]] = []
    suites: dict[str, SuiteSummary] = {}
    with tempfile.TemporaryDirectory(prefix="gx-project-") as project:
        context = gx.get_context(mode="file", project_root_dir=project)
        context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                             metric_calculations=False)
        context.variables.save()
        for site in list(context.list_data_docs_sites()):
            context.delete_data_docs_site(site)
        context.add_data_docs_site(SITE_NAME, {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(out_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        datasource = context.data_sources.add_pandas("registry")
        for name, df in to_validate.items():
            suite_specs = [s for s in specs if s.suite == name]
            skipped = ([s for s in suite_specs if s.expectation in AGGREGATE_EXPECTATIONS]
                       if len(df) == 0 else [])
            run_specs = [s for s in suite_specs if s not in skipped]
            by_id = {s.spec_id: s for s in run_specs}
            suite = context.suites.add(gx.ExpectationSuite(
                name=name,
                expectations=[_to_gx(s, gxe, Column) for s in run_specs],
                notes=_suite_notes(name, rows_total[name], len(df), sample_seed, skipped),
                meta={"rows_total": rows_total[name], "rows_validated": len(df),
                      "sampled": len(df) < rows_total[name], "source": DQD_REFERENCE}))
            batch = datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                f"{name}_whole_frame")
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=f"{name}_checkpoint", validation_definitions=[validation],
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[SITE_NAME])],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20}))
            suite_started = time.perf_counter()
            outcome = checkpoint.run(batch_parameters={"dataframe": df}, run_id=run_id)
            suite_seconds = time.perf_counter() - suite_started
            n_na = 0
            stats: dict[str, Any] = {"evaluated_expectations": 0, "successful_expectations": 0}
            for vr in outcome.run_results.values():
                for er in vr.results:
                    spec = by_id[er.expectation_config.meta["spec_id"]]
                    res = er.result or {}
                    if _raised(er.exception_info):
                        status = "error"
                    elif res.get("element_count") == 0:
                        status, n_na = "not_applicable", n_na + 1
                    else:
                        status = "passed" if er.success else "failed"
                    rows.append(_result_row(spec, bool(er.success), status, res))
                stats = vr.statistics
            for s in skipped:
                rows.append(_result_row(s, None, "not_applicable", {}))
            suites[name] = SuiteSummary(
                suite=name, rows_total=rows_total[name], rows_validated=len(df),
                sampled=len(df) < rows_total[name],
                evaluated=int(stats["evaluated_expectations"]),
                successful=int(stats["successful_expectations"]),
                not_applicable=n_na + len(skipped), seconds=suite_seconds)

    results = pd.DataFrame(rows)
    results.insert(0, "run_name", run_name)
    results["rows_total"] = results["suite"].map(rows_total).astype("Int64")
    results["rows_validated"] = results["suite"].map(
        {k: len(v) for k, v in to_validate.items()}).astype("Int64")
    results["sampled"] = results["rows_validated"] < results["rows_total"]
    results = results[RESULT_COLUMNS].astype({
        "success": "boolean", "observed_value": "float64", "unexpected_count": "Int64",
        "element_count": "Int64", "unexpected_percent": "float64", "threshold": "float64",
        "sampled": "bool"})
    sampled = tuple(n for n, s in suites.items() if s.sampled)
    notes = [f"Checks generated from the canonical data dictionary, after the {DQD_REFERENCE}."]
    if sampled:
        notes.append(f"Validated on a deterministic sample of {max_rows_per_table:,} rows "
                     f"(random_state={sample_seed}) for: {', '.join(sampled)}.")
    return DataDocsSummary(
        run_name=run_name, out_dir=out_dir, index_path=out_dir / "index.html", suites=suites,
        results=results, sampled_tables=sampled, max_rows_per_table=max_rows_per_table,
        notes=notes, duration_seconds=time.perf_counter() - started)
