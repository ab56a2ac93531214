"""Transplant variables: donor type, conditioning intensity (Bacigalupo 2009), HCT-CI group,
CMV pair, in-vivo T-cell depletion, chimerism."""

from __future__ import annotations

import pandas as pd
import pytest

from clinical_rules.transplant import (
    classify_conditioning_text,
    classify_donor,
    cmv_pair,
    conditioning_discrepancies,
    derive_donor_type,
    donor_discrepancies,
    first_allograft,
    hct_ci_group,
    in_vivo_tcd,
    transplant_variables,
    unknown_conditioning_regimens,
)

# (case, donor_relation, hla_match, expected)
DONOR_CASES = [
    ("MSD: sibling, fully matched 10/10", "sibling", "10/10", "MSD"),
    ("MSD: sibling, fully matched 8/8", "sibling", "8/8", "MSD"),
    ("MSD: sibling, fully matched 6/6", "sibling", " 6 / 6 ", "MSD"),
    ("MSD: sibling written HLA-identical", "sibling", "HLA-identical", "MSD"),
    ("MSD: sibling written geno-identical", "sibling", "geno-identical", "MSD"),
    ("MUD: unrelated 10/10", "unrelated", "10/10", "MUD"),
    ("MUD: unrelated 8/8", "unrelated", "8/8", "MUD"),
    ("MUD: unrelated 12/12", "unrelated", "12/12", "MUD"),
    ("MUD: 10/10 with a DPB1 mismatch (outside the 10 loci)", "unrelated", "10/10 (DPB1 mm)",
     "MUD"),
    ("MUD: 8/8 with a DQB1 mismatch (outside the 8 loci)", "unrelated", "8/8 (DQB1 mm)",
     "MUD"),
    ("MMUD: unrelated with any mismatch (9/10)", "unrelated", "9/10", "MMUD"),
    ("MMUD: unrelated with any mismatch (7/8)", "unrelated", "7/8", "MMUD"),
    ("MMUD: 9/10 (DQB1 mm)", "unrelated", "9/10 (DQB1 mm)", "MMUD"),
    ("MMUD: HLA-A mismatch without a ratio", "unrelated", "HLA-A mismatch", "MMUD"),
    ("MMUD: one antigen mismatch", "unrelated", "1 Ag MM", "MMUD"),
    ("MMUD: allele mismatch at C", "unrelated", "9/10 (1 allele mm HLA-C)", "MMUD"),
    ("MMUD: unrelated 5/10 is mismatched unrelated, not haplo", "unrelated", "5/10", "MMUD"),
    ("haplo: haploidentical related", "haploidentical", "5/10", "haplo"),
    ("haplo: haploidentical relation whatever the ratio", "haploidentical", "7/10", "haplo"),
    ("haplo: a 5/10 related donor is haplo", "other_related", "5/10", "haplo"),
    ("haplo: a 5/10 sibling is haplo", "sibling", "5/10", "haplo"),
    ("haplo: a 4/8 related donor (half the loci) is haplo", "other_related", "4/8", "haplo"),
    ("haplo: 5/10 haplo text", "other_related", "5/10 haplo", "haplo"),
    ("haplo: related donor written haplo", "other_related", "haplo", "haplo"),
    ("cord", "cord", "4/6", "cord"),
    ("cord without HLA text", "cord", None, "cord"),
    ("matched_related_other: other matched related", "other_related", "10/10",
     "matched_related_other"),
    ("sibling with a mismatch: mismatched_related (documented choice)", "sibling", "9/10",
     "mismatched_related"),
    ("related with one named mismatch: mismatched_related", "other_related", "HLA-A mismatch",
     "mismatched_related"),
    ("related mismatched without a count: haplo or not undecidable", "sibling", "mismatched",
     None),
    ("unrelated written haplo: contradiction, never a guess", "unrelated", "haplo", None),
    ("no HLA match: never a guess", "unrelated", None, None),
    ("unparsable HLA match", "sibling", "banana", None),
    ("contradictory HLA text", "unrelated", "9/10 (A, B mm)", None),
]


@pytest.mark.parametrize(("case", "relation", "hla", "expected"), DONOR_CASES,
                         ids=[c[0] for c in DONOR_CASES])
def test_donor_type(case, relation, hla, expected):
    got = derive_donor_type(pd.Series([relation], dtype=object), pd.Series([hla], dtype=object))
    assert (None if pd.isna(got.iloc[0]) else got.iloc[0]) == expected


def test_donor_type_reason_when_unknown():
    got = classify_donor(pd.Series(["unrelated", "sibling", "unrelated"], dtype=object),
                         pd.Series([None, "banana", "10/10"], dtype=object))
    assert got["donor_type"].tolist() == [None, None, "MUD"]
    assert got["donor_type_reason"].tolist()[:2] == [
        "HLA match not given", "HLA text not read: words not understood: BANANA"]
    assert got["donor_type_reason"].iloc[2] is None


def test_donor_discrepancies_list_the_unknown_donor_types():
    tx = transplant_variables(_tx([{"hla_match": "9/10 or 10/10"},
                                   {"patient_id": "2", "hla_match": "9/10 (DQB1 mm)"}]))
    assert tx["donor_type"].tolist() == [None, "MMUD"]
    d = donor_discrepancies(tx)
    assert d["patient_id"].tolist() == ["1"]
    assert "several different ratios" in d["reason"].iloc[0]
    assert d["reported"].iloc[0] == "relation unrelated, HLA 9/10 or 10/10"


# (case, written regimen, expected intensity or None = unknown)
CONDITIONING_CASES = [
    ("Bu <= 8 mg/kg oral (2 days iv): FLU-BU2 is RIC", "FLU-BU2", "RIC"),
    ("written as Flu/Bu2", "Flu/Bu2", "RIC"),
    ("abbreviation FB2", "FB2", "RIC"),
    ("BU4 = busulfan 4 days 12.8 mg/kg iv: MAC", "FLU-BU4", "MAC"),
    ("BU3 = 9.6 mg/kg iv > 8 mg/kg oral: MAC", "FLU-BU3-ATG", "MAC"),
    ("busulfan written in mg/kg", "Bu 12.8 mg/kg + Flu", "MAC"),
    ("BU4-CY: MAC", "BU4-CY", "MAC"),
    ("classic BuCy undosed: MAC", "BuCy", "MAC"),
    ("melphalan <= 140 mg/m2: RIC", "FLU-MEL140", "RIC"),
    ("melphalan > 140 mg/m2: MAC", "FLU-MEL 200", "MAC"),
    ("TBI >= 8 Gy fractionated: MAC", "TBI12-CY", "MAC"),
    ("TBI written with unit", "TBI 12 Gy + CY", "MAC"),
    ("TBI <= 2 Gy +/- purine analogue: NMA", "FLU-TBI2", "NMA"),
    ("TBI in cGy", "Flu-TBI 200cGy", "NMA"),
    ("TBI 4 Gy: RIC", "FLU-TBI4", "RIC"),
    ("Flu-Cy +/- ATG: NMA", "FLU-CY-ATG", "NMA"),
    ("haplo Flu-Cy-TBI2 with PTCy: NMA", "Flu-Cy-TBI2-PTCy", "NMA"),
    ("sequential: FLAMSA block followed by RIC", "FLAMSA-BU2", "sequential"),
    ("sequential: FLAMSA-TBI4", "FLAMSA-TBI4-CY-ATG", "sequential"),
    ("TEC-FLU-BU without doses: TBF-RIC or TBF-MAC, reported value used", "TEC-FLU-BU", None),
    ("TBF with 2 days of busulfan (TBF-RIC)", "TEC-FLU-BU2", "RIC"),
    ("thiotepa < 10 mg/kg: RIC", "TT5-FLU-CY", "RIC"),
    ("treosulfan 14 g/m2 x 3 = 42: MAC", "FLU-TREO14", "MAC"),
    ("treosulfan 10 g/m2 x 3 = 30: RIC", "FLU-TREO10", "RIC"),
    ("undosed busulfan: reported value used", "FLU-BU", None),
    ("undosed melphalan: reported value used", "FLU-MEL", None),
    ("unknown agent: listed for the catalogue", "XYZ-42", None),
]


@pytest.mark.parametrize(("case", "regimen", "expected"), CONDITIONING_CASES,
                         ids=[c[0] for c in CONDITIONING_CASES])
def test_conditioning_intensity(case, regimen, expected):
    call = classify_conditioning_text(regimen)
    assert call.intensity == expected
    assert call.unknown is (regimen == "XYZ-42")


@pytest.mark.parametrize(("score", "group"), [(0, "0"), (1, "1"), (2, "2"), (3, ">=3"),
                                              (7, ">=3"), (None, None)])
def test_hct_ci_group(score, group):
    got = hct_ci_group(pd.Series([score], dtype="Int64")).iloc[0]
    assert (None if pd.isna(got) else got) == group


@pytest.mark.parametrize(("donor", "recipient", "pair"), [
    ("negative", "negative", "D-/R-"), ("negative", "positive", "D-/R+"),
    ("positive", "negative", "D+/R-"), ("positive", "positive", "D+/R+"),
    (None, "positive", None)])
def test_cmv_pair(donor, recipient, pair):
    got = cmv_pair(pd.Series([donor], dtype=object), pd.Series([recipient], dtype=object))
    assert (None if pd.isna(got.iloc[0]) else got.iloc[0]) == pair


@pytest.mark.parametrize(("atg", "ptcy", "tcd"), [
    (True, False, True), (False, True, True), (False, False, False), (None, True, True),
    (None, False, None)])
def test_in_vivo_tcd_is_atg_or_ptcy(atg, ptcy, tcd):
    got = in_vivo_tcd(pd.Series([atg], dtype="boolean"), pd.Series([ptcy], dtype="boolean"))
    assert (None if pd.isna(got.iloc[0]) else bool(got.iloc[0])) == tcd


def _tx(rows: list[dict]) -> pd.DataFrame:
    base = {"centre_id": "C", "patient_id": "1", "hsct_number": 1, "hsct_date": "2022-01-01",
            "donor_relation": "unrelated", "hla_match": "10/10", "stem_cell_source": "PB",
            "conditioning_regimen": "FLU-BU2", "conditioning_intensity_reported": "RIC",
            "atg": True, "ptcy": False, "gvhd_prophylaxis": "CSA", "donor_cmv": "positive",
            "recipient_cmv": "positive", "hct_ci": 1, "chimerism_d30_recipient_pct": None,
            "chimerism_d90_recipient_pct": None}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["hsct_date"] = pd.to_datetime(df["hsct_date"])
    for c in ("hsct_number", "hct_ci"):
        df[c] = df[c].astype("Int64")
    for c in ("atg", "ptcy"):
        df[c] = df[c].astype("boolean")
    for c in ("chimerism_d30_recipient_pct", "chimerism_d90_recipient_pct"):
        df[c] = df[c].astype("float64")
    return df


def test_first_allograft_is_the_earliest():
    df = _tx([{"hsct_number": 2, "hsct_date": "2023-01-01"}, {"hsct_number": 1},
              {"patient_id": "2"}])
    out = first_allograft(df)
    assert out[["patient_id", "hsct_number"]].values.tolist() == [["1", 1], ["2", 1]]


# (case, d30 %, d90 %, mixed d30, partial d90)
CHIMERISM_CASES = [
    ("recipient marrow chimerism >= 5 % at day 30", 5.0, 0.0, True, False),
    ("partial chimerism at day 90 = recipient >= 1 %", 4.9, 1.0, False, True),
    ("not measured", None, None, None, None),
]


@pytest.mark.parametrize(("case", "d30", "d90", "mixed", "partial"), CHIMERISM_CASES,
                         ids=[c[0] for c in CHIMERISM_CASES])
def test_chimerism(case, d30, d90, mixed, partial):
    out = transplant_variables(_tx([{"chimerism_d30_recipient_pct": d30,
                                     "chimerism_d90_recipient_pct": d90}])).iloc[0]
    for col, want in (("mixed_chimerism_d30", mixed), ("partial_chimerism_d90", partial)):
        assert (None if pd.isna(out[col]) else bool(out[col])) == want


def test_reported_vs_derived_and_unknown_regimens():
    df = _tx([{"conditioning_regimen": "FLAMSA-BU2", "conditioning_intensity_reported": "RIC"},
              {"patient_id": "2", "conditioning_regimen": "XYZ", "conditioning_intensity_reported":
               "MAC"},
              {"patient_id": "3", "conditioning_regimen": "XYZ"},
              {"patient_id": "4", "conditioning_regimen": "TEC-FLU-BU"}])
    tx = transplant_variables(df)
    assert tx["conditioning_intensity"].tolist() == ["sequential", "MAC", "RIC", "RIC"]
    assert tx["conditioning_intensity_source"].tolist() == ["derived", "reported", "reported",
                                                            "reported"]
    d = conditioning_discrepancies(tx)
    assert sorted(d["variable"]) == ["conditioning_intensity", "conditioning_regimen",
                                     "conditioning_regimen"]
    u = unknown_conditioning_regimens(tx)
    assert u.to_dict("records") == [{"regimen": "XYZ", "kind": "conditioning", "count": 2}]
