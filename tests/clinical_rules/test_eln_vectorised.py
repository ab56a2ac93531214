"""Vectorised ELN functions agree with row-by-row evaluation (Döhner 2022 Table 6; 2024 Table 1).

Random patients (seeded) with karyotypes from a pool of ISCN strings and random mutation rows
(duplicates, missing ``detected``, blank variants, genes outside the rules, rows of unknown
patients) are classified by ``eln2022_risk``/``eln2024_risk`` and, one patient at a time, by
``eln2022_one``/``eln2024_one``; categories and reasons must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinical_rules.eln import (
    eln2022_one,
    eln2022_risk,
    eln2024_one,
    eln2024_risk,
    gene_findings_one,
    mutation_findings,
)
from clinical_rules.iscn import parse_karyotype

KARYOTYPES = [
    None,
    "",
    "46,XY[20]",
    "46,XX[20]",
    "45,XX,-7[12]/46,XX[8]",
    "46,XY,t(8;21)(q22;q22.1)[20]",
    "46,XX,inv(16)(p13.1q22)[20]",
    "47,XY,+8[20]",
    "46,XX,t(9;11)(p21.3;q23.3)[20]",
    "45~48,XY,-5,+8,+mar[cp10]",
    "49,XY,+8,+13,+21[20]",
    "46,XY,t(3;21)(q26.2;q22)[20]",
    "46,XY,del(5)(q13q33)[20]",
    "not done",
    "garbage text",
    "45,XY,-7,foo(3)[20]",
    "47,XY,+21c[20]",
    "46,XY,t(6;11)(q27;q23)[20]",
    "46,XY,i(17)(q10)[10]/46,XY[10]",
    "46,XY,t(8;21)(q21.3;q22.12)[20]",
    "46,XY[20].nuc ish(RUNX1,RUNX1T1)x2[200]",
    "46,XX[20].nuc ish(KMT2Ax2)(5'KMT2A sep 3'KMT2Ax1)[150/200]",
    "46,XX,t(9;11)(p22;q23)[20].nuc ish(KMT2Ax2)(5'KMT2A sep 3'KMT2Ax1)[150/200]",
    "46,XX,?del(5)(q13q33)[20]",
    "45,XY,-7[1]/46,XY[19]",
    "47,XY,t(1;3)(p36;q21),del(9)(q13q22),+mar[20]",
]
GENES = [
    "NPM1",
    "FLT3",
    "CEBPA",
    "TP53",
    "IDH1",
    "IDH2",
    "DDX41",
    "NRAS",
    "KRAS",
    "ASXL1",
    "RUNX1",
    "SRSF2",
    "DNMT3A",
    "TET2",
    "RUNX1::RUNX1T1",
    "AML1-ETO",
    "KMT2A",
    "FLT3-ITD",
    "CBFB-MYH11",
]
VARIANTS = {
    "FLT3": [None, "ITD", "TKD", "itd", "D835Y", "", "internal tandem duplication, AR 0.30",
             "TKD p.D835Y; ITD negative", "mutated"],
    "CEBPA": [None, "bZIP in-frame", "bZIP inframe", "TAD frameshift", "p.K313dup", "biallelic"],
    "RUNX1": [None, "p.R201Q", "RUNX1::RUNX1T1 fusion"],
    "KMT2A": [None, "rearranged", "PTD"],
    "NPM1": [None, "type A", "wild type"],
    "TP53": [None, "p.R273H VAF 4%", "p.R175H"],
}


def _random_registry(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    centres = rng.choice(["LYS", "GRE"], n)
    pids = [f"p{i % (n // 2)}" for i in range(n)]  # same patient_id in two centres
    patients = (
        pd.DataFrame(
            {
                "centre_id": centres,
                "patient_id": pids,
                "karyotype": [KARYOTYPES[i] for i in rng.integers(0, len(KARYOTYPES), n)],
                "extra": 1,
            }
        )
        .drop_duplicates(["centre_id", "patient_id"])
        .reset_index(drop=True)
    )
    rows = []
    for c, p in zip(patients.centre_id, patients.patient_id, strict=True):
        for gene in rng.choice(GENES, rng.integers(0, 10), replace=True):
            det = rng.choice(np.array([True, False, False, None], dtype=object))
            variant = rng.choice(np.array(VARIANTS.get(gene, [None]), dtype=object))
            vaf = float(rng.choice([np.nan, 0.02, 0.1, 0.35]))
            rows.append((c, p, gene, det, variant, vaf, "x"))
    rows.append(("ZZZ", "nobody", "TP53", True, None, 0.5, "x"))  # patient not in patients
    mutations = pd.DataFrame(
        rows, columns=["centre_id", "patient_id", "gene", "detected", "variant", "vaf", "lab"]
    )
    mutations["detected"] = mutations["detected"].astype("boolean")
    return patients, mutations


def _rows_of(mutations: pd.DataFrame, centre: str, patient: str) -> list[dict]:
    sel = (mutations.centre_id == centre) & (mutations.patient_id == patient)
    recs = mutations[sel].to_dict("records")
    for r in recs:
        if r["detected"] is pd.NA:
            r["detected"] = None
    return recs


@pytest.mark.parametrize("seed", [1, 2])
def test_vectorised_equals_row_by_row(seed: int) -> None:
    patients, mutations = _random_registry(seed, 300)
    prior = pd.Series(np.random.default_rng(seed).random(len(patients)) < 0.3, index=patients.index)
    v22 = eln2022_risk(patients, mutations)
    v24 = eln2024_risk(patients, mutations, prior)
    assert v22[["centre_id", "patient_id"]].equals(patients[["centre_id", "patient_id"]])
    assert v24[["centre_id", "patient_id"]].equals(patients[["centre_id", "patient_id"]])
    assert (v24["eln2024_applicable"].to_numpy() == ~prior.to_numpy()).all()
    seen = set()
    for i, (c, p, k) in enumerate(
        zip(patients.centre_id, patients.patient_id, patients.karyotype, strict=True)
    ):
        findings = gene_findings_one(_rows_of(mutations, c, p))
        assert eln2022_one(parse_karyotype(k), findings) == (
            v22["eln2022"].iloc[i],
            v22["eln2022_reason"].iloc[i],
        )
        assert eln2024_one(findings) == (v24["eln2024"].iloc[i], v24["eln2024_reason"].iloc[i])
        seen.add(v22["eln2022"].iloc[i])
        seen.add(v24["eln2024"].iloc[i])
    assert seen == {"favorable", "intermediate", "adverse", "unknown"}


def test_mutation_findings_pivot() -> None:
    patients, mutations = _random_registry(3, 200)
    piv = mutation_findings(patients, mutations)
    assert len(piv) == len(patients)
    code = {0: "not_tested", 1: "wild_type", 2: "mutated"}
    for i, (c, p) in enumerate(zip(patients.centre_id, patients.patient_id, strict=True)):
        f = gene_findings_one(_rows_of(mutations, c, p))
        for gene in ("NPM1", "FLT3", "TP53", "ASXL1", "KRAS"):
            assert piv[gene].iloc[i] == code[f.get(gene)]


def test_order_index_and_input_variants() -> None:
    """Output follows ``patients`` order and index; optional columns may be absent; int ids."""
    patients = pd.DataFrame(
        {"centre_id": ["B", "A"], "patient_id": [2, 1], "karyotype": ["45,XY,-7[20]", "46,XY[20]"]},
        index=[7, 3],
    )
    mutations = pd.DataFrame(
        {
            "centre_id": ["A", "A", "B"],
            "patient_id": [1, 1, 2],
            "gene": ["npm1 ", "FLT3", "NPM1"],
            "detected": [True, False, True],
        }
    )
    out = eln2022_risk(patients, mutations)
    assert list(out.index) == [7, 3]
    assert out["eln2022"].tolist() == ["adverse", "favorable"]
    empty = mutations.iloc[0:0]
    assert eln2022_risk(patients, empty)["eln2022"].tolist() == ["adverse", "unknown"]
    assert eln2024_risk(patients, empty)["eln2024"].tolist() == ["unknown", "unknown"]
    assert len(eln2022_risk(patients.iloc[0:0], mutations)) == 0
