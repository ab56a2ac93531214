"""harmonise_registry on a small hand-built registry and on empty tables."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from clinical_rules.harmonise import (
    DISCREPANCY_COLUMNS,
    PATIENT_COLUMNS,
    HarmonisedTables,
    harmonise_registry,
)
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from schemas.canonical import CANONICAL_TABLES, cast_canonical

D = pd.Timestamp


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    spec = CANONICAL_TABLES[name]
    df = pd.DataFrame(rows, columns=["centre_id", *spec.column_names])
    return cast_canonical(df, name)


def _pat(c: str, p: str, birth: str) -> dict:
    return {"centre_id": c, "patient_id": p, "sex": "female", "birth_date": birth,
            "diagnosis_date": "2021-12-01", "aml_type": "de_novo",
            "karyotype": "46,XX[20]", "eln2022_reported": "adverse"}


def _line(c, p, line, regimen, ind, start, cycles=1):
    return {"centre_id": c, "patient_id": p, "line": line, "regimen": regimen,
            "indication": ind, "start_date": start, "cycles": cycles}


def _resp(c, p, line, cycle, date, rep, blasts=None, anc=None, plt=None, circ=None):
    return {"centre_id": c, "patient_id": p, "line": line, "cycle": cycle,
            "assessment_date": date, "response": rep, "bm_blasts_pct": blasts, "anc": anc,
            "platelets": plt, "circulating_blasts": circ, "extramedullary": None}


def _tx(c, p, date, rel, hla, regimen, reported, **kw):
    row = {"centre_id": c, "patient_id": p, "hsct_number": 1, "hsct_date": date,
           "donor_relation": rel, "hla_match": hla, "stem_cell_source": "PB",
           "conditioning_regimen": regimen, "conditioning_intensity_reported": reported,
           "atg": False, "ptcy": False, "gvhd_prophylaxis": "CSA+MMF",
           "donor_cmv": "positive", "recipient_cmv": "negative", "hct_ci": 0}
    row.update(kw)
    return row


def registry() -> dict[str, pd.DataFrame]:
    """Seven patients: AZA/VEN R/R post-IC, post-HMA, molecular relapse, IC comparator,
    frontline AZA/VEN, non-transplanted AZA/VEN R/R (same UPN in another centre), and
    an MRD row of a patient missing from patients."""
    pats = [_pat("LYS", "001", "1964-06-01"), _pat("GRE", "002", "1970-01-01"),
            _pat("GRE", "003", "1980-01-01"), _pat("STE", "004", "1975-01-01"),
            _pat("STE", "005", "1960-01-01"), _pat("GRE", "001", "1990-01-01")]
    lines = [
        _line("LYS", "001", 1, "7+3", "frontline", "2022-01-01"),
        _line("LYS", "001", 2, "Aza/Ven", "refractory", "2022-03-01", 2),
        _line("GRE", "002", 1, "AZA", "frontline", "2021-06-01", 6),
        _line("GRE", "002", 2, "VEN+AZA", "relapse", "2022-02-01", 3),
        _line("GRE", "003", 1, "FLAG-Ida", "frontline", "2021-01-01"),
        _line("GRE", "003", 2, "DEC-VEN", "molecular_relapse", "2022-01-01", 1),
        _line("STE", "004", 1, "7+3", "frontline", "2021-01-01"),
        _line("STE", "004", 2, "MEC", "relapse", "2022-01-01", 2),
        _line("STE", "005", 1, "azacitidine + venetoclax", "frontline", "2022-01-01", 4),
        _line("GRE", "001", 1, "CPX-351", "frontline", "2021-01-01"),
        _line("GRE", "001", 2, "AZA-VEN", "refractory", "2021-06-01", 2),
    ]
    resp = [
        _resp("LYS", "001", 2, 1, "2022-04-01", "CR", 2.0, 1.5, 150.0, False),
        _resp("LYS", "001", 2, 2, "2022-05-01", "CR"),
        _resp("GRE", "002", 2, 1, "2022-03-01", "NR", 30.0, 0.2, 20.0),
        _resp("GRE", "002", 2, 3, "2022-05-01", "CRi", 1.0, 0.3, 120.0, False),
        _resp("GRE", "003", 2, None, "2022-02-01", "molecular_response"),
        _resp("STE", "004", 2, 1, "2022-02-01", "PR", 10.0, 1.2, 110.0, False),
        _resp("STE", "004", 2, 2, "2022-03-01", "CR", 4.0, 1.2, 110.0, True),
        _resp("GRE", "001", 2, 1, "2021-07-01", "NR"),
    ]
    mrd = [
        {"centre_id": "LYS", "patient_id": "001", "sample_date": "2022-05-20", "method": "MFC",
         "tissue": "BM", "value": 0.05, "result_reported": "negative"},
        {"centre_id": "LYS", "patient_id": "001", "sample_date": "2022-05-25", "method": "NPM1",
         "tissue": "PB", "value": 5e-4, "result_reported": "negative"},
        {"centre_id": "GRE", "patient_id": "003", "sample_date": "2022-02-20", "method": "WT1",
         "tissue": "PB", "value": 5e-4, "result_reported": "negative"},
        {"centre_id": "STE", "patient_id": "004", "sample_date": "2022-03-20", "method": "MFC",
         "tissue": "BM", "value": 2.0, "result_reported": "positive"},
        {"centre_id": "NOC", "patient_id": "999", "sample_date": "2022-03-20", "method": "MFC",
         "tissue": "BM", "value": 2.0, "result_reported": "positive"},
    ]
    tx = [
        _tx("LYS", "001", "2022-06-01", "sibling", "10/10", "FLU-BU2", "RIC", atg=True,
            hct_ci=3, chimerism_d30_recipient_pct=6.0, chimerism_d90_recipient_pct=0.5),
        _tx("GRE", "002", "2022-06-01", "unrelated", "9/10", "FLAMSA-BU2", "RIC"),
        _tx("GRE", "003", "2022-03-01", "haploidentical", "5/10", "FLU-CY-TBI2", "NMA",
            ptcy=True, hct_ci=1),
        _tx("STE", "004", "2022-04-01", "unrelated", "10/10", "TBI12-CY", "MAC", hct_ci=2),
        _tx("STE", "005", "2022-07-01", "unrelated", "10/10", "XYZ-42", "RIC"),
    ]
    gvhd = [
        {"centre_id": "LYS", "patient_id": "001", "kind": "acute", "onset_date": "2022-06-20",
         "grade": "II"},
        {"centre_id": "LYS", "patient_id": "001", "kind": "acute", "onset_date": "2022-10-01",
         "grade": "3"},
        {"centre_id": "LYS", "patient_id": "001", "kind": "chronic",
         "onset_date": "2023-01-01", "grade": "severe"},
        {"centre_id": "STE", "patient_id": "004", "kind": "acute", "onset_date": "2022-03-01",
         "grade": "1"},
        {"centre_id": "GRE", "patient_id": "002", "kind": "chronic",
         "onset_date": "2023-01-01", "grade": "extensive"},
    ]
    muts = [{"centre_id": "LYS", "patient_id": "001", "gene": g, "detected": g == "NPM1",
             "variant": "ITD" if g == "FLT3" else None, "vaf": None}
            for g in ("NPM1", "FLT3", "TP53", "NRAS", "KRAS")]
    fu = [{"centre_id": p["centre_id"], "patient_id": p["patient_id"],
           "last_contact_date": "2024-01-01", "vital_status": "alive"} for p in pats]
    return {
        "patients": _frame("patients", pats), "mutations": _frame("mutations", muts),
        "treatment_lines": _frame("treatment_lines", lines),
        "responses": _frame("responses", resp), "mrd": _frame("mrd", mrd),
        "transplants": _frame("transplants", tx), "gvhd": _frame("gvhd", gvhd),
        "followup": _frame("followup", fu),
    }


@pytest.fixture(scope="module")
def harmonised() -> HarmonisedTables:
    return harmonise_registry(registry())


def _row(h: HarmonisedTables, c: str, p: str) -> pd.Series:
    df = h.patients
    sel = df.loc[(df["centre_id"] == c) & (df["patient_id"] == p)]
    assert len(sel) == 1
    return sel.iloc[0]


EXPECTED = [
    # (case, centre, patient, {column: value})
    ("AZA/VEN R/R post-IC, CRc at end of cycle 1, MRD discordant MFC-neg/PCR-pos = positive",
     "LYS", "001", {
         "cohort": "azaven_rr", "salvage_setting": "post_ic", "lines_before_salvage": 1,
         "status_before_salvage": "refractory", "salvage_regimen": "Aza/Ven",
         "salvage_cycles": 2, "prior_hma": False, "c1_response": True, "crc_ever": True,
         "response_timing": "early", "best_response": "CR", "pre_hsct_status": "CRc",
         "mrd_pre_hsct": "positive", "mrd_methods": "MFC+NPM1", "donor_type": "MSD",
         "conditioning_intensity": "RIC", "conditioning_intensity_source": "derived",
         "hct_ci_group": ">=3", "cmv_pair": "D+/R-", "in_vivo_tcd": True,
         "mixed_chimerism_d30": True, "partial_chimerism_d90": False, "agvhd_max_grade": 2,
         "agvhd_2_4_date": D("2022-06-20"), "cgvhd_severe_date": D("2023-01-01"),
         "age_at_hsct": 58.0}),
    ("AZA/VEN R/R post-HMA, late CRi, sequential FLAMSA, MRD not done", "GRE", "002", {
        "cohort": "azaven_rr", "salvage_setting": "post_hma", "lines_before_salvage": 1,
        "status_before_salvage": "relapse", "prior_hma": True, "c1_response": False,
        "response_timing": "late", "best_response": "CRi", "pre_hsct_status": "CRc",
        "mrd_pre_hsct": "not_done", "donor_type": "MMUD",
        "conditioning_intensity": "sequential", "agvhd_max_grade": 0,
        "cgvhd_severe_date": D("2023-01-01")}),
    ("AZA/VEN for molecular relapse: setting molecular relapse takes precedence", "GRE", "003", {
        "cohort": "azaven_rr", "salvage_setting": "molecular_relapse",
        "status_before_salvage": "molecular_relapse", "c1_response": True,
        "response_timing": "early", "pre_hsct_status": "CRc", "mrd_pre_hsct": "negative",
        "mrd_methods": "WT1", "donor_type": "haplo", "conditioning_intensity": "NMA",
        "in_vivo_tcd": True}),
    ("IC comparator: refractory at HSCT -> MRD not applicable", "STE", "004", {
        "cohort": "ic_comparator", "salvage_setting": "post_ic", "salvage_regimen": "MEC",
        "pre_hsct_status": "refractory", "mrd_pre_hsct": "not_applicable",
        "donor_type": "MUD", "conditioning_intensity": "MAC", "agvhd_max_grade": 0}),
    ("frontline AZA/VEN; unknown conditioning falls back to reported", "STE", "005", {
        "cohort": "azaven_frontline", "salvage_setting": None,
        "status_before_salvage": None, "conditioning_intensity": "RIC",
        "conditioning_intensity_source": "reported", "crc_ever": None}),
    ("non-transplanted AZA/VEN R/R: no transplant variables", "GRE", "001", {
        "cohort": "azaven_rr", "salvage_setting": "post_ic", "c1_response": False,
        "response_timing": "none", "pre_hsct_status": None, "mrd_pre_hsct": None,
        "hsct_date": None, "agvhd_max_grade": None, "age_at_hsct": None}),
]


@pytest.mark.parametrize(("case", "centre", "patient", "expected"), EXPECTED,
                         ids=[e[0] for e in EXPECTED])
def test_patient_variables(harmonised, case, centre, patient, expected):
    row = _row(harmonised, centre, patient)
    for col, want in expected.items():
        got = row[col]
        if want is None:
            assert pd.isna(got), (col, got)
        else:
            assert got == want, (col, got, want)


def test_one_row_per_staging_patient_in_order(harmonised):
    pats = registry()["patients"]
    assert list(harmonised.patients.columns) == PATIENT_COLUMNS
    assert harmonised.patients[["centre_id", "patient_id"]].values.tolist() == \
        pats[["centre_id", "patient_id"]].values.tolist()


def test_discrepancies_listed(harmonised):
    d = harmonised.discrepancies
    assert list(d.columns) == DISCREPANCY_COLUMNS
    got = set(zip(d["patient_id"], d["variable"], strict=True))
    assert ("001", "mrd_result") in got                       # NPM1 5e-4 reported negative
    assert ("002", "conditioning_intensity") in got           # FLAMSA reported RIC
    assert ("004", "response") in got                         # reported CR, circ. blasts
    assert ("004", "gvhd_acute") in got                       # onset before transplant
    assert ("005", "conditioning_regimen") in got             # unknown regimen
    assert ("999", "mrd_patient") in got                      # patient missing


def test_unknown_regimens(harmonised):
    u = harmonised.unknown_regimens
    assert u.to_dict("records") == [{"regimen": "XYZ-42", "kind": "conditioning", "count": 1}]


def test_responses_per_assessment(harmonised):
    r = harmonised.responses
    assert len(r) == 8
    ste = r.loc[(r["patient_id"] == "004")].sort_values("assessment_date")
    assert ste["response"].tolist() == ["PR", "NR"]
    assert ste["response_source"].tolist() == ["reported", "derived"]
    assert r["is_salvage_line"].all()


def test_thresholds_reported():
    t = ClinicalThresholds(mrd_window_days=3)
    h = harmonise_registry(registry(), t)
    assert h.thresholds.as_dict()["mrd_window_days"] == 3
    # the NPM1 sample 7 days before the transplant is now outside the window
    assert _row(h, "LYS", "001")["mrd_pre_hsct"] == "not_done"


def test_genetics_passed_through_or_derived(harmonised):
    eln_present = any(importlib.util.find_spec(m) is not None for m in
                      ("clinical_rules.eln", "clinical_rules.eln2022"))
    p = harmonised.patients
    if not eln_present:
        assert p["eln2022"].isna().all() and p["eln2024_applicable"].isna().all()
    else:
        assert p["eln2022"].notna().all()
        # ELN 2024 does not apply after prior HMA (the post-HMA patient)
        applicable = p.set_index(["centre_id", "patient_id"])["eln2024_applicable"]
        assert not applicable[("GRE", "002")]
        assert applicable[("LYS", "001")]
        d = harmonised.discrepancies
        eln = d.loc[d["variable"] == "eln2022"]
        derived = p.set_index("patient_id")["eln2022"]
        assert set(eln["patient_id"]) == set(derived[derived.isin(
            ["favorable", "intermediate"])].index)
    assert (p["eln2022_reported"] == "adverse").all()


def test_all_tables_empty():
    empty = {n: pd.DataFrame(columns=["centre_id", *t.column_names])
             for n, t in CANONICAL_TABLES.items()}
    h = harmonise_registry(empty)
    assert list(h.patients.columns) == PATIENT_COLUMNS and h.patients.empty
    assert h.responses.empty and h.discrepancies.empty and h.unknown_regimens.empty
    assert h.thresholds == DEFAULT_THRESHOLDS


def test_patients_only():
    t = registry()
    only = {"patients": t["patients"]}
    h = harmonise_registry(only)
    assert len(h.patients) == 6
    assert (h.patients["cohort"] == "other").all()


def _with_responses(resp: list[dict]) -> dict[str, pd.DataFrame]:
    t = registry()
    t["responses"] = _frame("responses", resp)
    return t


def test_label_less_assessment_is_derived_from_its_counts():
    """An assessment with counts and no label decides the response (clinical-rules.md):
    the patient is not refractory and their MRD is evaluated, not `not_applicable`."""
    h = harmonise_registry(_with_responses([
        _resp("LYS", "001", 2, 1, "2022-04-01", None, 2.0, 0.3, 150.0, False),
        _resp("LYS", "001", 2, 2, "2022-05-01", None, 1.0, None, None, False),
    ]))
    row = _row(h, "LYS", "001")
    assert (row["c1_response"], row["response_timing"], row["best_response"]) == \
        (True, "early", "CRi")
    assert row["pre_hsct_status"] == "CRc" and row["mrd_pre_hsct"] == "positive"
    r = h.responses.loc[h.responses["patient_id"] == "001"].sort_values("assessment_date")
    assert r["response"].tolist() == ["CRi", "MLFS"]         # ANC missing: at least MLFS
    assert r["crc"].tolist() == [True, True]
    assert not h.discrepancies["variable"].eq("response").any()


def test_reported_cr_with_blasts_of_5_or_more_is_not_crc():
    h = harmonise_registry(_with_responses([
        _resp("LYS", "001", 2, 1, "2022-04-01", "CR", 12.0, 2.0, 200.0, False),
    ]))
    row = _row(h, "LYS", "001")
    assert pd.notna(row["c1_response"]) and not row["c1_response"]
    assert row["pre_hsct_status"] == "refractory" and row["mrd_pre_hsct"] == "not_applicable"
    d = h.discrepancies.loc[h.discrepancies["variable"] == "response"]
    assert d[["patient_id", "reported", "derived"]].values.tolist() == [["001", "CR", "NR"]]
    assert "marrow blasts 12 %" in d["reason"].iloc[0]


def test_assessment_with_counts_but_no_blasts_and_no_label_is_listed():
    h = harmonise_registry(_with_responses([
        _resp("LYS", "001", 2, 1, "2022-04-01", None, None, 0.3, 150.0, False),
    ]))
    d = h.discrepancies.loc[h.discrepancies["variable"] == "response"]
    assert len(d) == 1 and "response undetermined" in d["reason"].iloc[0]
    row = _row(h, "LYS", "001")        # undetermined: not counted as "assessed, no CRc"
    assert pd.isna(row["c1_response"]) and pd.isna(row["pre_hsct_status"])


def test_hla_text_and_regimen_spellings_in_the_harmonised_layer():
    t = registry()
    tx = t["transplants"].copy()
    tx["hla_match"] = tx["hla_match"].astype(object)
    tx.loc[tx["patient_id"] == "002", "hla_match"] = "9/10 (DQB1 mm)"
    tx.loc[tx["patient_id"] == "001", "conditioning_regimen"] = "Flu + Bu 8 mg/kg oral"
    tx.loc[tx["patient_id"] == "004", "hla_match"] = "9/10 or 10/10"
    t["transplants"] = tx
    h = harmonise_registry(t)
    assert _row(h, "GRE", "002")["donor_type"] == "MMUD"
    assert _row(h, "LYS", "001")["conditioning_intensity"] == "RIC"
    assert pd.isna(_row(h, "STE", "004")["donor_type"])
    d = h.discrepancies
    assert ("004", "donor_type") in set(zip(d["patient_id"], d["variable"], strict=True))
