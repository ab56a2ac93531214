"""Molecular text normalisation: the recognised forms, table-driven from
``data/molecular_text_cases.csv``, and hypothesis properties.

Sources: spec/clinical-rules.md "What laboratories actually write", export-format.md
(mutations, fusions); Döhner et al., Blood 2022;140:1345-77 (FLT3-ITD, bZIP in-frame CEBPA);
HGVS (den Dunnen et al., Hum Mutat 2016;37:564).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.eln import gene_findings_one, genetic_parse_issues, mutation_findings
from clinical_rules.molecular_text import BZIP_RESIDUES, normalise_mutation

CASES = list(csv.DictReader((Path(__file__).parent / "data" / "molecular_text_cases.csv")
                            .open(encoding="utf-8")))
_ITD = {3: "positive", 2: "negative", 0: "negative", 1: "unknown", -1: ""}
_BZIP = {2: "yes", 0: "no", 1: "unknown", -1: ""}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['gene']} {c['variant']}: {c['justification']}"
                                             for c in CASES])
def test_recognised_forms(case: dict[str, str]) -> None:
    call = normalise_mutation(case["gene"], case["detected"] == "true", case["variant"] or None)
    assert _ITD[call.itd] == case["itd"]
    assert _BZIP[call.bzip] == case["bzip"]
    assert (call.lesion if call.fusion_detected else "") == case["lesion"]
    mutated = {None: "", True: "true", False: "false"}[call.mutated]
    if case["mutated"] == "unknown":
        assert call.mutated is None and call.issue
    else:
        assert mutated == case["mutated"]
    # what cannot be read is listed with a reason
    if "(listed)" in case["justification"]:
        assert call.issue


def test_fusion_row_is_never_a_partner_mutation() -> None:
    """RUNX1::RUNX1T1 on the RUNX1 row: favourable rearrangement, not an MR-gene mutation."""
    f = gene_findings_one([{"gene": "RUNX1", "detected": True, "variant": "RUNX1::RUNX1T1"}])
    assert f.get("RUNX1") == 0 and f.fusion_mask  # not tested as a gene; lesion recorded


def test_vaf_written_in_the_text_is_used_for_tp53() -> None:
    low = gene_findings_one([{"gene": "TP53", "detected": True, "variant": "p.R273H VAF 4%"}])
    high = gene_findings_one([{"gene": "TP53", "detected": True, "variant": "p.R273H VAF: 0.3"}])
    assert not low.tp53_adverse_2022 and high.tp53_adverse_2022


def test_unreadable_text_is_listed_in_parse_issues() -> None:
    patients = pd.DataFrame({"centre_id": ["C"], "patient_id": ["p"],
                             "karyotype": ["46,XY[20].nuc ish(D7Z1x1)[80/200]"]})
    mutations = pd.DataFrame({"centre_id": ["C", "C"], "patient_id": ["p", "p"],
                              "gene": ["FLT3", "CEBPA"], "detected": [True, True],
                              "variant": ["mutated", "biallelic"], "vaf": [np.nan, np.nan]})
    issues = genetic_parse_issues(patients, mutations)
    assert set(issues["variable"]) == {"karyotype", "mutation:FLT3", "mutation:CEBPA"}
    assert issues.loc[issues["variable"] != "karyotype", "derived"].eq("unknown").all()
    piv = mutation_findings(patients, mutations)
    assert piv["FLT3_ITD"].iloc[0] == "unknown" and piv["CEBPA_bZIP_inframe"].iloc[0] == "unknown"


@given(st.text(), st.one_of(st.none(), st.booleans()), st.one_of(st.none(), st.text()))
@settings(max_examples=300, deadline=None)
def test_never_raises(gene: str, detected: bool | None, variant: str | None) -> None:
    call = normalise_mutation(gene, detected, variant)
    assert call.itd in (-1, 0, 1, 2, 3) and call.bzip in (-1, 0, 1, 2)


@given(st.integers(1, 358), st.sampled_from(["dup", "del", "insQ", "delinsL", "H", "fs*12",
                                              "*"]))
@settings(max_examples=300, deadline=None)
def test_cebpa_hgvs_in_frame_inside_bzip_only(codon: int, change: str) -> None:
    """In-frame (dup/del/ins/delins/missense) inside residues 278-345 -> bZIP in-frame;
    anything else, or a frameshift or nonsense anywhere, is not."""
    call = normalise_mutation("CEBPA", True, f"p.K{codon}{change}")
    inside = BZIP_RESIDUES[0] <= codon <= BZIP_RESIDUES[1]
    in_frame = change not in ("fs*12", "*")
    assert (call.bzip == 2) is (inside and in_frame)


@given(st.sampled_from(["TKD", "D835Y", "p.D835Y", "I836del", "TKD p.D835H", ""]),
       st.sampled_from(["ITD negative", "ITD neg", "no ITD", "ITD-", "ITD not detected"]),
       st.sampled_from(["; ", ", ", " / ", " "]))
def test_negated_itd_is_never_positive(tkd: str, negation: str, sep: str) -> None:
    call = normalise_mutation("FLT3", True, (tkd + sep + negation).strip(" ;,/"))
    assert call.itd == 2


def test_unreadable_karyotype_tokens_are_listed_with_the_reason() -> None:
    patients = pd.DataFrame({"centre_id": ["C", "C", "C"], "patient_id": ["a", "b", "c"],
                             "karyotype": ["46,XY,foo(3)[20]", "46,XY[20]", None]})
    empty = pd.DataFrame(columns=["centre_id", "patient_id", "gene", "detected", "variant"])
    issues = genetic_parse_issues(patients, empty)
    assert issues["patient_id"].tolist() == ["a"]
    assert "could not read 'foo(3)'" in issues["reason"].iloc[0]
