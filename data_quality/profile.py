"""The derived one-row-per-patient profile that the registry-level expectations check.

Source: ../shared/spec/style.md ("OHDSI Data Quality Dashboard"): registry-level
plausibility and completeness (Blacketer et al., JAMIA 2021) need measures per patient
across tables (age at diagnosis, genes tested, transplants, MRD before transplant).
Pure pandas, no Dagster.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from data_quality.expectations import LINEAGE_COLUMNS, DataQualityThresholds
from schemas.canonical import CANONICAL_TABLES

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
