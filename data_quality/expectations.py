"""Expectations generated from the data dictionary, in the three kinds of the OHDSI DQD.

Source: ../shared/spec/style.md ("OHDSI Data Quality Dashboard", "great-expectations 1.x")
and the table registry (:mod:`schemas.registry`). Every expectation is generated from the
registry's staging entries (``STAGING_TABLES``: columns, codes, ranges, nullability, key and
date-order checks; plus
a few registry-level rules on a derived one-row-per-patient profile, :mod:`data_quality.profile`)
in the three kinds of the OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021; Kahn et
al., eGEMs 2016):

* conformance: columns exist, keys are unique, codes are in the allowed set, values are
  within the dictionary's range;
* completeness: required columns are not null; key optional fields are filled for most
  patients of every centre (one expectation per centre, with a ``mostly`` threshold);
* plausibility: distributions and dates that are possible but suspicious when off.

Each expectation carries its threshold (``mostly``) and its kind. Pure data: no
great-expectations import here (:mod:`data_quality.validation` runs them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from schemas.registry import STAGING_TABLES, Column

Kind = Literal["conformance", "completeness", "plausibility"]
KINDS: tuple[Kind, ...] = ("conformance", "completeness", "plausibility")
LINEAGE_COLUMNS: tuple[str, ...] = ("centre_id", "delivery", "file", "source_row")
PROFILE_SUITE = "patient_profile"
DQD_REFERENCE = "OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021)"

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
    #: the registry's description of the column checked (shown in the data docs)
    column_description: str | None = None

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



# --------------------------------------------------------------------------- generation

def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, pd.Timestamp | datetime):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _date_bounds(table: str, col: Column,
                 t: DataQualityThresholds) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    hi = pd.Timestamp(f"{t.last_year}-12-31")
    if table == "transplants" and col.name == "hsct_date":
        return pd.Timestamp(f"{t.registry_first_year}-01-01"), hi
    if col.name == "birth_date":
        return pd.Timestamp(f"{t.earliest_birth_year}-01-01"), hi
    return None, hi


def _table_specs(name: str, t: DataQualityThresholds) -> list[ExpectationSpec]:
    table = STAGING_TABLES[name]
    specs: list[ExpectationSpec] = []
    for col_name in ("centre_id", *table.column_names):
        specs.append(ExpectationSpec(
            name, "conformance", "field_exists", "expect_column_to_exist", col_name,
            {"column": col_name}, None, f"{name}.{col_name} is present",
            column_description=table.column(col_name).description))
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
                column_kind=col.kind, column_description=col.description))
        if col.minimum is not None or col.maximum is not None:
            kw: dict[str, Any] = {"column": col.name}
            if col.minimum is not None:
                kw["min_value"] = col.minimum
            if col.maximum is not None:
                kw["max_value"] = col.maximum
            specs.append(ExpectationSpec(
                name, "conformance", "value_in_range", "expect_column_values_to_be_between",
                col.name, kw, t.conformance_mostly,
                f"{name}.{col.name} within the data dictionary's range", column_kind=col.kind, column_description=col.description))
        if col.required:
            specs.append(ExpectationSpec(
                name, "completeness", "is_required", "expect_column_values_to_not_be_null",
                col.name, {"column": col.name}, t.required_mostly,
                f"{name}.{col.name} is required", column_kind=col.kind, column_description=col.description))
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
                column_kind=col.kind, column_description=col.description))
    for order in table.date_orders():
        specs.append(ExpectationSpec(
            name, "plausibility", "plausible_temporal_order",
            "expect_column_pair_values_a_to_be_greater_than_b", order.name,
            {"column_A": order.later, "column_B": order.earlier, "or_equal": order.or_equal,
             "ignore_row_if": "either_value_is_missing"},
            t.date_order_mostly, f"{name}.{order.later} not before {order.earlier}"))
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
    """All expectations, generated from the registry (DQD: Blacketer et al., JAMIA 2021).

    One suite per canonical table plus ``patient_profile`` (registry-level completeness per
    centre and plausibility of distributions); ``centres`` gives the per-centre checks.
    """
    t = thresholds or DataQualityThresholds()
    specs: list[ExpectationSpec] = []
    for name in STAGING_TABLES:
        specs.extend(_table_specs(name, t))
    specs.extend(_profile_specs(t, sorted(centres)))
    return specs


