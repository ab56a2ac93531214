"""Harmonise the staging tables into one row per patient with every derived variable.

Source: ../shared/spec/clinical-rules.md (the rules), architecture.md (the harmonised
layer: derived variables per patient + reported-vs-derived discrepancies). Pure pandas:
no Dagster import. Internally the patient key is encoded as integers so that the joins
and group-bys on millions of rows stay fast; the outputs carry the original keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clinical_rules.cohorts import identify_salvage_line, unknown_treatment_regimens
from clinical_rules.gvhd import gvhd_after_first_allograft, gvhd_discrepancies
from clinical_rules.mrd import mrd_discrepancies, pre_transplant_mrd
from clinical_rules.response import (
    CRC_LABELS,
    reconcile_responses,
    response_discrepancies,
    salvage_line_response,
)
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from clinical_rules.transplant import (
    conditioning_discrepancies,
    donor_discrepancies,
    transplant_variables,
    unknown_conditioning_regimens,
)
from schemas.canonical import CANONICAL_TABLES

KEY = ["centre_id", "patient_id"]
DISCREPANCY_COLUMNS = ["centre_id", "patient_id", "variable", "reported", "derived", "reason"]
UNKNOWN_REGIMEN_COLUMNS = ["regimen", "kind", "count"]
GENETIC_COLUMNS = {
    "eln2022": "object", "eln2022_reason": "object", "adverse_cytogenetics": "boolean",
    "complex_karyotype": "boolean", "monosomal_karyotype": "boolean",
    "karyotype_unparsed": "object", "eln2024": "object", "eln2024_reason": "object",
    "eln2024_applicable": "boolean",
}
TRANSPLANT_COLUMNS = [
    "hsct_date", "donor_relation", "donor_type", "hla_match", "stem_cell_source",
    "conditioning_regimen", "conditioning_intensity", "conditioning_intensity_source",
    "conditioning_intensity_reported", "gvhd_prophylaxis", "atg", "ptcy", "in_vivo_tcd",
    "hct_ci", "hct_ci_group", "donor_cmv", "recipient_cmv", "cmv_pair",
    "chimerism_d30_recipient_pct", "chimerism_d90_recipient_pct", "mixed_chimerism_d30",
    "partial_chimerism_d90",
]
#: Column order of HarmonisedTables.patients.
PATIENT_COLUMNS = [
    "centre_id", "patient_id", "sex", "birth_date", "diagnosis_date", "aml_type", "karyotype",
    "eln2022", "eln2022_reason", "eln2022_reported", "adverse_cytogenetics",
    "complex_karyotype", "monosomal_karyotype", "karyotype_unparsed",
    "eln2024", "eln2024_reason", "eln2024_reported", "eln2024_applicable",
    "cohort", "salvage_setting", "salvage_line", "salvage_regimen", "salvage_regimen_class",
    "salvage_start_date", "salvage_cycles", "status_before_salvage", "lines_before_salvage",
    "prior_hma", "c1_response", "crc_ever", "response_timing", "best_response",
    "pre_hsct_status", "mrd_pre_hsct", "mrd_methods", *TRANSPLANT_COLUMNS[:1], "age_at_hsct",
    *TRANSPLANT_COLUMNS[1:], "agvhd_max_grade", "agvhd_2_4_date", "agvhd_3_4_date",
    "cgvhd_date", "cgvhd_severe_date", "last_contact_date", "vital_status", "death_date",
    "death_cause", "relapse_date", "relapse_type",
]
RESPONSE_COLUMNS = [
    "centre_id", "patient_id", "line", "cycle", "assessment_date", "response_reported",
    "response_derived", "response", "response_source", "response_discrepant", "crc",
    "is_salvage_line",
]


@dataclass
class HarmonisedTables:
    """The harmonised layer: patients, responses, discrepancies, unknown regimens, thresholds."""

    patients: pd.DataFrame
    responses: pd.DataFrame
    discrepancies: pd.DataFrame
    unknown_regimens: pd.DataFrame
    thresholds: ClinicalThresholds = field(default=DEFAULT_THRESHOLDS)


# --- input preparation ------------------------------------------------------------------

_DTYPE = {"date": "datetime64[ns]", "int": "Int64", "number": "float64", "bool": "boolean"}


def _typed_table(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """The staging table with every canonical column present and typed (missing = NA)."""
    spec = CANONICAL_TABLES[name]
    df = pd.DataFrame(columns=["centre_id", *spec.column_names]) if frame is None else frame
    df = df.copy(deep=False)
    for col in ["centre_id", *spec.column_names]:
        kind = "text" if col == "centre_id" else spec.column(col).kind
        if col not in df.columns:
            df[col] = pd.Series(pd.NA if kind in _DTYPE else None, index=df.index,
                                dtype=_DTYPE.get(kind, "object"))
        elif kind == "date" and df[col].dtype != "datetime64[ns]":
            df[col] = pd.to_datetime(df[col], errors="coerce").astype("datetime64[ns]")
        elif kind in ("int", "bool", "number") and str(df[col].dtype) != _DTYPE[kind]:
            df[col] = (pd.to_numeric(df[col], errors="coerce").astype(_DTYPE[kind])
                       if kind != "bool" else df[col].astype("boolean"))
        elif kind in ("text", "code") and df[col].dtype != object:
            df[col] = df[col].astype("object").where(df[col].notna(), None)
    return df


@dataclass
class _KeyCodec:
    """Patient key <-> integer code (patients first, in their order; then orphans)."""

    centre: np.ndarray
    patient: np.ndarray
    n_patients: int

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["patient_id"].to_numpy(dtype=np.int64)
        out = frame.copy()
        out["centre_id"] = self.centre[codes] if len(codes) else np.array([], dtype=object)
        out["patient_id"] = self.patient[codes] if len(codes) else np.array([], dtype=object)
        return out


def _encode_keys(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], _KeyCodec]:
    """Replace (centre_id, patient_id) by (0, integer code) in every table.

    Codes 0..n-1 are the staging patients in their order; keys found only in other tables
    (orphans) get codes >= n. One hash pass over all key values (no sorting of strings).
    """
    names = list(tables)
    sizes = [len(tables[n]) for n in names]
    centre_all = np.concatenate([tables[n]["centre_id"].to_numpy(dtype=object) for n in names])
    patient_all = np.concatenate([tables[n]["patient_id"].to_numpy(dtype=object)
                                  for n in names])
    c_codes, _ = pd.factorize(centre_all, use_na_sentinel=False)
    p_codes, p_uniques = pd.factorize(patient_all, use_na_sentinel=False)
    combined = c_codes.astype(np.int64) * max(len(p_uniques), 1) + p_codes.astype(np.int64)
    # patients come first in `names`, so their keys get codes 0..n-1 in staging order
    codes, _ = pd.factorize(combined)
    first = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype=np.int64)
    pos = np.arange(len(codes), dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    starts = np.r_[True, codes[order][1:] != codes[order][:-1]] if len(codes) else []
    first[codes[order][starts]] = pos[order][starts]
    encoded: dict[str, pd.DataFrame] = {}
    offset = 0
    for name, size in zip(names, sizes, strict=True):
        out = tables[name].copy(deep=False)
        out["centre_id"] = np.zeros(size, dtype=np.int64)
        out["patient_id"] = codes[offset:offset + size].astype(np.int64)
        encoded[name] = out
        offset += size
    codec = _KeyCodec(centre_all[first], patient_all[first], len(tables["patients"]))
    return encoded, codec


# --- genetics (the other engineer's module) ----------------------------------------------

def _find(name: str) -> Callable[..., pd.DataFrame] | None:
    for module in ("clinical_rules.eln", f"clinical_rules.{name.split('_')[0]}"):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
    return None


def genetic_risk(
    patients: pd.DataFrame, mutations: pd.DataFrame, prior_hma: pd.Series | None
) -> pd.DataFrame:
    """ELN 2022 and ELN 2024 risk per patient (clinical_rules.eln*; Döhner et al. 2022, 2024).

    Positionally aligned with ``patients``; when the ELN module is not installed the
    genetic columns are <NA> (pass-through).
    """
    out = pd.DataFrame(index=patients.index)
    for col, dtype in GENETIC_COLUMNS.items():
        out[col] = pd.Series(pd.NA if dtype == "boolean" else None, index=patients.index,
                             dtype=dtype)
    f22, f24 = _find("eln2022_risk"), _find("eln2024_risk")
    if f22 is not None:
        r = f22(patients, mutations)
        for col in ("eln2022", "eln2022_reason", "adverse_cytogenetics", "complex_karyotype",
                    "monosomal_karyotype", "karyotype_unparsed"):
            if col in r.columns:
                out[col] = r[col].to_numpy()
    if f24 is not None:
        r = f24(patients, mutations, prior_hma)
        for col in ("eln2024", "eln2024_reason", "eln2024_applicable"):
            if col in r.columns:
                out[col] = r[col].to_numpy()
    for col, dtype in GENETIC_COLUMNS.items():
        out[col] = out[col].astype(dtype)
    return out


def eln_discrepancies(patients: pd.DataFrame) -> pd.DataFrame:
    """Reported vs derived ELN 2022 / 2024 risk (derived ``unknown`` is not a disagreement)."""
    parts = []
    for v in ("eln2022", "eln2024"):
        rep = patients[f"{v}_reported"].astype("object")
        der = patients[v].astype("object")
        bad = (rep.notna() & der.notna() & der.ne("unknown") & rep.ne(der)).to_numpy(dtype=bool)
        d = patients.loc[bad]
        reason = (("ELN 2022 (Döhner 2022): " if v == "eln2022" else
                   "ELN 2024 (Döhner 2024): ") + d[f"{v}_reason"].astype(str))
        parts.append(pd.DataFrame({
            "centre_id": d["centre_id"], "patient_id": d["patient_id"], "variable": v,
            "reported": rep[bad], "derived": der[bad], "reason": reason,
        }))
    return pd.concat(parts, ignore_index=True)


# --- the harmonisation -------------------------------------------------------------------

def harmonise_registry(
    tables: dict[str, pd.DataFrame], thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> HarmonisedTables:
    """Derive every harmonised variable from the staging tables (clinical-rules.md).

    ``tables``: canonical table name -> staging frame (centre_id, patient_id + canonical
    columns; missing tables or columns count as empty). Returns one row per staging
    patient in the staging order, the per-assessment responses, the reported-vs-derived
    discrepancies, the regimens the catalogues do not know (kind ``treatment_line`` or
    ``conditioning``), and the thresholds used. Missing text is None, missing dates NaT,
    nullable flags pandas ``boolean``, counts ``Int64``.
    """
    return harmonise_parts(tables, thresholds)[0]


def harmonise_parts(
    tables: dict[str, pd.DataFrame], thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> tuple[HarmonisedTables, pd.DataFrame, list[int]]:
    """:func:`harmonise_registry`, with what a caller harmonising a centre in batches of
    patients needs to put the batches together: the first allografts (``tx``, one row per
    patient, for the centre's unknown conditioning regimens) and the number of
    discrepancy rows of each kind, in the order they are listed."""
    typed = {name: _typed_table(name, tables.get(name)) for name in CANONICAL_TABLES}
    # patients must come first: _encode_keys numbers the staging patients 0..n-1
    typed["patients"] = typed["patients"].drop_duplicates(KEY).reset_index(drop=True)
    enc, codec = _encode_keys(typed)
    pats = enc["patients"]

    tx = transplant_variables(enc["transplants"], thresholds)
    first = tx[[*KEY, "hsct_date"]]
    sal = identify_salvage_line(enc["treatment_lines"], first, pats)
    sal = sal.merge(first, on=KEY, how="left")
    rec = reconcile_responses(enc["responses"])
    line_resp = salvage_line_response(rec, sal)
    mrd = pre_transplant_mrd(enc["mrd"], first, line_resp, thresholds)
    gv = gvhd_after_first_allograft(enc["gvhd"], first, thresholds)
    fu = enc["followup"].drop_duplicates(KEY, keep="last")[
        [*KEY, "last_contact_date", "vital_status", "death_date", "death_cause",
         "relapse_date", "relapse_type"]]

    out = pats[[*KEY, "sex", "birth_date", "diagnosis_date", "aml_type", "karyotype",
                "eln2022_reported", "eln2024_reported"]]
    out = out.merge(sal.drop(columns=["hsct_date"]), on=KEY, how="left")
    out = out.merge(line_resp, on=KEY, how="left")
    out = out.merge(mrd, on=KEY, how="left")
    out = out.merge(tx[[*KEY, *TRANSPLANT_COLUMNS]], on=KEY, how="left")
    out = out.merge(gv, on=KEY, how="left")
    out = out.merge(fu, on=KEY, how="left")
    out["age_at_hsct"] = ((out["hsct_date"] - out["birth_date"]).dt.days / 365.25).round(1)

    decoded_pats = codec.decode(pats)
    mutations = codec.decode(enc["mutations"])
    genetics = genetic_risk(decoded_pats, mutations,
                            pd.Series(out["prior_hma"].to_numpy(), index=decoded_pats.index,
                                      dtype="boolean", name="prior_hma"))
    out = codec.decode(out)
    for col in GENETIC_COLUMNS:
        out[col] = genetics[col].to_numpy()
        out[col] = out[col].astype(GENETIC_COLUMNS[col])
    out = _finalise_patients(out)

    responses = rec.merge(sal[[*KEY, "salvage_line"]], on=KEY, how="left")
    responses["is_salvage_line"] = (responses["line"] == responses["salvage_line"]).fillna(
        False).astype(bool)
    responses["crc"] = responses["response"].isin(CRC_LABELS).astype("boolean").mask(
        responses["response"].isna())
    responses = codec.decode(responses[RESPONSE_COLUMNS]).reset_index(drop=True)

    issues = _find("genetic_parse_issues")
    parts = [
        eln_discrepancies(out),
        issues(decoded_pats, mutations) if issues is not None else None,
        codec.decode(response_discrepancies(rec)),
        codec.decode(mrd_discrepancies(enc["mrd"], thresholds)),
        codec.decode(conditioning_discrepancies(tx)),
        codec.decode(donor_discrepancies(tx)),
        codec.decode(gvhd_discrepancies(enc["gvhd"], first)),
        codec.decode(_orphan_discrepancies(enc, codec)),
    ]
    disc = pd.concat(parts, ignore_index=True)
    disc = disc.reindex(columns=DISCREPANCY_COLUMNS)
    for c in DISCREPANCY_COLUMNS:
        disc[c] = disc[c].astype("object").where(disc[c].notna(), None)
    part_sizes = [0 if p is None else len(p) for p in parts]
    result = HarmonisedTables(out, responses, disc,
                              unknown_regimens(typed["treatment_lines"], tx), thresholds)
    return result, tx, part_sizes


def unknown_regimens(treatment_lines: pd.DataFrame, tx: pd.DataFrame) -> pd.DataFrame:
    """The regimen texts the catalogues do not know, with counts: of the treatment lines
    (staging order) and of the first allografts' conditioning (:func:`transplant_variables`,
    patient order)."""
    unknown = pd.concat([unknown_treatment_regimens(treatment_lines),
                         unknown_conditioning_regimens(tx)], ignore_index=True)
    unknown = unknown.reindex(columns=UNKNOWN_REGIMEN_COLUMNS)
    unknown["count"] = unknown["count"].astype("int64")
    unknown["regimen"] = unknown["regimen"].astype("object")
    unknown["kind"] = unknown["kind"].astype("object")
    return unknown


def _orphan_discrepancies(enc: dict[str, pd.DataFrame], codec: _KeyCodec) -> pd.DataFrame:
    """Rows of other tables whose patient is not in the patients table (not harmonised)."""
    parts = []
    for name, df in enc.items():
        if name == "patients" or df.empty:
            continue
        codes = df["patient_id"].to_numpy(dtype=np.int64)
        orphan = np.unique(codes[codes >= codec.n_patients])
        if len(orphan):
            parts.append(pd.DataFrame({
                "centre_id": 0, "patient_id": orphan, "variable": f"{name}_patient",
                "reported": None, "derived": None,
                "reason": f"{name} rows for a patient missing from patients; not harmonised",
            }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64 if c in KEY else object)
                             for c in DISCREPANCY_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _finalise_patients(out: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of HarmonisedTables.patients."""
    out = out.reindex(columns=PATIENT_COLUMNS)
    for c in ("c1_response", "crc_ever", "prior_hma", "atg", "ptcy", "in_vivo_tcd",
              "mixed_chimerism_d30", "partial_chimerism_d90", *[
                  k for k, v in GENETIC_COLUMNS.items() if v == "boolean"]):
        out[c] = out[c].astype("boolean")
    for c in ("salvage_line", "salvage_cycles", "lines_before_salvage", "hct_ci",
              "agvhd_max_grade"):
        if str(out[c].dtype) != "Int64":
            out[c] = out[c].astype("Float64").astype("Int64")
    for c in ("birth_date", "diagnosis_date", "salvage_start_date", "hsct_date",
              "agvhd_2_4_date", "agvhd_3_4_date", "cgvhd_date", "cgvhd_severe_date",
              "last_contact_date", "death_date", "relapse_date"):
        if out[c].dtype != "datetime64[ns]":
            out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    for c in ("chimerism_d30_recipient_pct", "chimerism_d90_recipient_pct", "age_at_hsct"):
        out[c] = out[c].astype("float64")
    for c in [c for c in PATIENT_COLUMNS if out[c].dtype == object]:
        arr = out[c].to_numpy(dtype=object, copy=True)
        arr[pd.isna(arr)] = None  # missing text is None (not NaN) for the warehouse
        out[c] = arr
    return out.reset_index(drop=True)
