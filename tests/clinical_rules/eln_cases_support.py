"""Helpers of the table-driven ELN 2022 / ELN 2024 cases (imported by name: tests have no
packages): a compact mutation spelling, the one-patient staging frames it builds, and the
check of one case on the vectorised classifier against the row-by-row reference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinical_rules.eln import (
    ELN2022_COLUMNS,
    ELN2024_COLUMNS,
    eln2022_one,
    eln2022_risk,
    eln2024_one,
    eln2024_risk,
    gene_findings_one,
)


def mutation_rows(spec: str, centre: str = "C1", patient: str = "p1") -> list[dict]:
    """``"NPM1+ FLT3+ITD TP53+0.25 CEBPA+bZIP_in-frame KRAS- RUNX1?"`` -> mutation rows.

    ``+`` detected, ``-`` tested negative, ``?`` row with detected missing. After the sign: a
    number is the VAF, any other text the variant (``_`` stands for a space).
    """
    rows = []
    for tok in spec.split():
        i = next(i for i, ch in enumerate(tok) if ch in "+-?")
        gene, sign, rest = tok[:i], tok[i], tok[i + 1 :].replace("_", " ")
        detected = {"+": True, "-": False, "?": pd.NA}[sign]
        vaf, variant = np.nan, None
        if rest:
            try:
                vaf = float(rest)
            except ValueError:
                variant = rest
        rows.append(
            {
                "centre_id": centre,
                "patient_id": patient,
                "gene": gene,
                "detected": detected,
                "variant": variant,
                "vaf": vaf,
            }
        )
    return rows


def frames(karyotype: str | None, spec: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-patient staging frames (patients, mutations)."""
    patients = pd.DataFrame({"centre_id": ["C1"], "patient_id": ["p1"], "karyotype": [karyotype]})
    return patients, mutations_frame(mutation_rows(spec))


def mutations_frame(rows: list[dict]) -> pd.DataFrame:
    """Typed mutations frame (nullable boolean ``detected``)."""
    cols = ["centre_id", "patient_id", "gene", "detected", "variant", "vaf"]
    df = pd.DataFrame(rows, columns=cols)
    df["detected"] = df["detected"].astype("boolean")
    df["vaf"] = df["vaf"].astype(float)
    return df


NK = "46,XY[20]"
NEG = "NPM1- FLT3- CEBPA- TP53- NRAS- KRAS-"



def case_ids(cases: list[tuple]) -> list[str]:
    """The pytest ids of a case table: each case's name, which cites the guideline clause."""
    return [c[0] for c in cases]


def check_case(year: int, karyotype: str | None, muts: str, expected: str) -> None:
    """One case on the vectorised classifier and on the row-by-row reference: both give
    ``expected`` with the same reason, which names the guideline (ELN ``year``)."""
    patients, mutations = frames(karyotype, muts)
    findings = gene_findings_one(mutation_rows(muts))
    if year == 2022:
        out, columns = eln2022_risk(patients, mutations), ELN2022_COLUMNS
        reference = eln2022_one(karyotype, findings)
    else:
        out, columns = eln2024_risk(patients, mutations), ELN2024_COLUMNS
        reference = eln2024_one(findings)
        assert bool(out["eln2024_applicable"].iloc[0])
    category, reason = out[f"eln{year}"].iloc[0], out[f"eln{year}_reason"].iloc[0]
    assert list(out.columns) == list(columns)
    assert category == expected, reason
    assert reference == (category, reason)
    if expected != "unknown":
        assert f"ELN {year}" in reason and f"-> {expected}" in reason
