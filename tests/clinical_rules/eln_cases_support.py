"""Helpers of the table-driven ELN 2022 / ELN 2024 cases (imported by name: tests have no
packages): a compact mutation spelling and the one-patient staging frames it builds."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
