"""Karyotype corpus: karyotypes as laboratories write them, with their ELN 2022 and 2024 class.

``data/karyotype_corpus.csv``: one row per case (karyotype as written, the mutation panel it
is paired with, expected ELN 2022 and ELN 2024 class, the source of the form and a one-line
justification). Forms follow ELN 2022 Table 6 (Döhner et al., Blood 2022;140:1345-77), ISCN
2020 examples (clones, idem/sl/sdl, cp, inc, mos/chi, ``//``, ``c``, ``?``, ``~``, in-situ
suffixes) and the way cytogenetics columns of public AML datasets (Mitelman database, TCGA
LAML) write them. ELN 2024 (Döhner et al., Blood 2024;144:2169-73) is molecular only, so the
panel decides it. Every case is checked on the vectorised and the row-by-row implementations.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clinical_rules.eln import (
    eln2022_one,
    eln2022_risk,
    eln2024_one,
    eln2024_risk,
    gene_findings_one,
)
from clinical_rules.iscn import parse_karyotype

CORPUS = Path(__file__).parent / "data" / "karyotype_corpus.csv"
_NEG = [("NPM1", False, None, None), ("FLT3", False, None, None), ("CEBPA", False, None, None),
        ("TP53", False, None, None), ("NRAS", False, None, None), ("KRAS", False, None, None)]


def _with(*rows: tuple) -> list[tuple]:
    genes = {r[0] for r in rows}
    return [r for r in _NEG if r[0] not in genes] + list(rows)


#: the panels the corpus refers to: (gene, detected, variant, vaf) rows
PANELS: dict[str, list[tuple]] = {
    "NEG": _NEG,
    "NONE": [],
    "NPM1": _with(("NPM1", True, "c.860_863dupTCTG (type A)", 0.4)),
    "NPM1_ITD": _with(("NPM1", True, "type A", 0.4), ("FLT3", True, "ITD", 0.2)),
    "ITD": _with(("FLT3", True, "ITD", 0.3)),
    "TP53": _with(("TP53", True, "p.R273H", 0.35)),
    "TP53_LOW": _with(("TP53", True, "p.R248Q", 0.05)),
    "ASXL1": _with(("ASXL1", True, "p.G646Wfs*12", 0.3)),
    "NRAS": _with(("NRAS", True, "p.G12D", 0.2)),
    "KRAS": _with(("KRAS", True, "p.G13D", 0.2)),
    "IDH2": _with(("IDH2", True, "p.R140Q", 0.4)),
    "IDH1": _with(("IDH1", True, "p.R132H", 0.4)),
    "DDX41_ITD": _with(("DDX41", True, "p.D140Gfs*2", 0.45), ("FLT3", True, "ITD", 0.2)),
    "CEBPA_BZIP": _with(("CEBPA", True, "p.K313dup", 0.4)),
    "NPM1_ITD_TEXT": _with(("NPM1", True, "p.W288Cfs*12", 0.4),
                           ("FLT3", True, "internal tandem duplication, AR 0.30", None)),
    "NPM1_TKD_TEXT": _with(("NPM1", True, "p.W288Cfs*12", 0.4),
                           ("FLT3", True, "TKD p.D835Y; ITD negative", 0.1)),
    "RUNX1_FUSION": _with(("RUNX1::RUNX1T1", True, "RT-PCR", None)),
    "CBFB_FUSION": _with(("CBFB::MYH11", True, "type A transcript", None)),
    "BCR_ABL1": _with(("BCR::ABL1", True, "p210", None)),
    "KMT2A_MLLT3": _with(("KMT2A::MLLT3", True, None, None)),
    "DEK_NUP214": _with(("DEK-NUP214", True, None, None)),
    "AML1_ETO": _with(("AML1-ETO", True, None, None)),
    "RUNX1_ROW_FUSION": _with(("RUNX1", True, "RUNX1::RUNX1T1 fusion", None)),
    "KMT2A_R": _with(("KMT2A", True, "rearranged (break-apart)", None)),
    "MECOM_R": _with(("MECOM", True, "rearranged", None)),
}


def _load() -> list[dict[str, str]]:
    with CORPUS.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


ROWS = _load()


def _frames(rows: list[dict[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    patients = pd.DataFrame({
        "centre_id": "LAB",
        "patient_id": [f"k{i}" for i in range(len(rows))],
        "karyotype": [r["karyotype"] or None for r in rows],
    })
    muts = [
        {"centre_id": "LAB", "patient_id": f"k{i}", "gene": g, "detected": d, "variant": v,
         "vaf": np.nan if vaf is None else vaf}
        for i, r in enumerate(rows) for g, d, v, vaf in PANELS[r["panel"]]
    ]
    mutations = pd.DataFrame(muts, columns=["centre_id", "patient_id", "gene", "detected",
                                            "variant", "vaf"])
    mutations["detected"] = mutations["detected"].astype("boolean")
    return patients, mutations


def test_corpus_size_and_shape() -> None:
    """At least 150 distinct karyotype strings, every class present, every row justified."""
    assert len({r["karyotype"] for r in ROWS}) >= 150
    assert {r["eln2022"] for r in ROWS} == {"favorable", "intermediate", "adverse", "unknown"}
    assert all(r["justification"].strip() and r["source"].strip() for r in ROWS)
    assert all(r["panel"] in PANELS for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['justification'][:70]} | {r['karyotype'][:40]}"
                                           for r in ROWS])
def test_corpus_case(row: dict[str, str]) -> None:
    patients, mutations = _frames([row])
    v22 = eln2022_risk(patients, mutations)
    v24 = eln2024_risk(patients, mutations)
    assert v22["eln2022"].iloc[0] == row["eln2022"], v22["eln2022_reason"].iloc[0]
    assert v24["eln2024"].iloc[0] == row["eln2024"], v24["eln2024_reason"].iloc[0]
    findings = gene_findings_one(mutations.astype(object).where(mutations.notna(), None)
                                 .to_dict("records"))
    assert eln2022_one(parse_karyotype(row["karyotype"] or None), findings) == (
        v22["eln2022"].iloc[0], v22["eln2022_reason"].iloc[0])
    assert eln2024_one(findings) == (v24["eln2024"].iloc[0], v24["eln2024_reason"].iloc[0])


def test_corpus_vectorised_in_one_frame() -> None:
    """The whole corpus in one call gives the same classes as case by case."""
    patients, mutations = _frames(ROWS)
    v22 = eln2022_risk(patients, mutations)
    v24 = eln2024_risk(patients, mutations)
    assert v22["eln2022"].tolist() == [r["eln2022"] for r in ROWS]
    assert v24["eln2024"].tolist() == [r["eln2024"] for r in ROWS]


@pytest.mark.parametrize("row", [r for r in ROWS if r["karyotype"] and r["panel"] == "NEG"],
                         ids=lambda r: r["karyotype"][:60])
def test_corpus_karyotypes_parse_and_round_trip(row: dict[str, str]) -> None:
    """Every written karyotype is read in full (or reported) and written back without loss."""
    k = parse_karyotype(row["karyotype"])
    if row["eln2022"] == "unknown" and k.status != "done":
        return  # the partly unparsed cases: reported, checked in test_iscn
    if not k.clones:
        return  # FISH-only result
    again = parse_karyotype(k.to_iscn())
    assert again.to_iscn() == k.to_iscn()
    assert again.lesions == k.lesions and again.alternative_lesions == k.alternative_lesions
