"""ELN 2022 response rules: per assessment, reconciliation and per salvage line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.response import (
    RESPONSE_RANK,
    derive_response,
    possible_responses,
    previous_blasts_in_line,
    reconcile_responses,
    response_discrepancies,
    salvage_line_response,
)


def _assess(rows: list[dict]) -> pd.DataFrame:
    base = {"centre_id": "C", "patient_id": "1", "line": 2, "cycle": 1,
            "assessment_date": "2022-01-01", "response": None, "bm_blasts_pct": None,
            "anc": None, "platelets": None, "circulating_blasts": None, "extramedullary": None}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["assessment_date"] = pd.to_datetime(df["assessment_date"])
    for c in ("line", "cycle"):
        df[c] = df[c].astype("Int64")
    for c in ("bm_blasts_pct", "anc", "platelets"):
        df[c] = df[c].astype("float64")
    for c in ("circulating_blasts", "extramedullary"):
        df[c] = df[c].astype("boolean")
    return df


# (case, blasts, anc, platelets, circulating, extramedullary, previous blasts, expected)
DERIVE_CASES = [
    ("CR: blasts < 5 %, ANC >= 1.0 and platelets >= 100", 2.0, 1.0, 100.0, False, False,
     None, "CR"),
    ("CRh: as CR but ANC >= 0.5 and platelets >= 50 (and not CR)", 2.0, 0.5, 50.0, False,
     False, None, "CRh"),
    ("CRi: as CR except neutrophils < 1.0 (platelets recovered, not CRh)", 2.0, 0.3, 150.0,
     False, False, None, "CRi"),
    ("CRi: as CR except platelets < 100 (neutrophils recovered, not CRh)", 2.0, 1.5, 30.0,
     False, False, None, "CRi"),
    ("MLFS: marrow blasts < 5 %, no count recovery required", 4.9, 0.2, 20.0, False, False,
     None, "MLFS"),
    ("not CR: circulating blasts present -> NR", 2.0, 2.0, 200.0, True, False, None, "NR"),
    ("not CR: extramedullary disease present -> NR", 2.0, 2.0, 200.0, False, True, None, "NR"),
    ("PR: blasts 5-25 % with a >= 50 % decrease", 10.0, 2.0, 200.0, False, False, 20.0, "PR"),
    ("PR boundary: 25 % after 50 % is exactly a 50 % decrease", 25.0, None, None, False, False,
     50.0, "PR"),
    ("blasts 5-25 % with < 50 % decrease -> NR", 15.0, 2.0, 200.0, False, False, 20.0, "NR"),
    ("PR needs the previous assessment: none -> not CRc, PR not documented -> NR", 10.0, 2.0,
     200.0, False, False, None, "NR"),
    ("NR: blasts > 25 %", 40.0, None, None, None, None, None, "NR"),
    ("NR: blasts 25.1 % is above the PR range even after a 50 % fall", 25.1, 2.0, 200.0,
     False, False, 80.0, "NR"),
    ("no marrow blasts: the counts cannot decide", None, 2.0, 200.0, False, False, None, None),
    ("blasts < 5 %, ANC missing, platelets < 50: at least MLFS", 1.0, None, 20.0, False, False,
     None, "MLFS"),
    ("blasts < 5 %, ANC and platelets missing: at least MLFS", 3.0, None, None, None, None,
     None, "MLFS"),
    ("blasts < 5 %, ANC missing, platelets >= 100: at least CRi", 1.0, None, 200.0, False,
     False, None, "CRi"),
    ("blasts < 5 %, ANC >= 1.0, platelets missing: at least CRi", 1.0, 1.5, None, False,
     False, None, "CRi"),
    ("missing circulating/extramedullary flags read as absent", 1.0, 1.2, 120.0, None, None,
     None, "CR"),
    # boundaries of ELN 2022 Table 9 (blasts exactly 5, ANC exactly 1.0 / 0.5, platelets
    # exactly 100 / 50)
    ("boundary: blasts exactly 5 % is not < 5 % (not CRc; with a 50 % fall: PR)", 5.0, 2.0,
     200.0, False, False, 10.0, "PR"),
    ("boundary: blasts exactly 5 % without a previous assessment: not CRc -> NR", 5.0, 2.0,
     200.0, False, False, None, "NR"),
    ("boundary: blasts 4.99 % is < 5 %", 4.99, 2.0, 200.0, False, False, None, "CR"),
    ("boundary: ANC exactly 1.0 with platelets 100 is CR", 0.0, 1.0, 100.0, False, False, None,
     "CR"),
    ("boundary: ANC 0.99 with platelets 100 is CRh (ANC >= 0.5, platelets >= 50)", 0.0, 0.99,
     100.0, False, False, None, "CRh"),
    ("boundary: platelets exactly 100 with ANC 1.0 is CR", 1.0, 1.0, 100.0, False, False, None,
     "CR"),
    ("boundary: platelets 99 with ANC 1.0 is CRh", 1.0, 1.0, 99.0, False, False, None, "CRh"),
    ("boundary: ANC exactly 0.5 and platelets exactly 50 is CRh", 1.0, 0.5, 50.0, False, False,
     None, "CRh"),
    ("boundary: ANC 0.49 with platelets 50 is not CRh; no lineage at CR level -> MLFS", 1.0,
     0.49, 50.0, False, False, None, "MLFS"),
    ("boundary: platelets 49 with ANC 0.5 is not CRh -> MLFS", 1.0, 0.5, 49.0, False, False,
     None, "MLFS"),
    ("boundary: platelets 49 with ANC exactly 1.0 is CRi", 1.0, 1.0, 49.0, False, False, None,
     "CRi"),
    ("boundary: ANC 0.49 with platelets exactly 100 is CRi", 1.0, 0.49, 100.0, False, False,
     None, "CRi"),
]


@pytest.mark.parametrize(
    ("case", "blasts", "anc", "plt", "circ", "emd", "prev", "expected"), DERIVE_CASES,
    ids=[c[0] for c in DERIVE_CASES])
def test_derive_response(case, blasts, anc, plt, circ, emd, prev, expected):
    df = _assess([{"bm_blasts_pct": blasts, "anc": anc, "platelets": plt,
                   "circulating_blasts": circ, "extramedullary": emd}])
    got = derive_response(df, pd.Series([prev], dtype="float64"))
    assert (got.iloc[0] if pd.notna(got.iloc[0]) else None) == expected


def test_previous_blasts_skip_an_assessment_without_marrow():
    df = _assess([
        {"assessment_date": "2022-02-01", "bm_blasts_pct": 30.0, "cycle": 1},
        {"assessment_date": "2022-03-01", "response": "NR", "cycle": 2},
        {"assessment_date": "2022-04-01", "bm_blasts_pct": 12.0, "cycle": 3},
    ])
    assert previous_blasts_in_line(df).tolist()[2] == 30.0
    assert derive_response(df).iloc[2] == "PR"


def test_previous_blasts_same_patient_and_line_by_date():
    df = _assess([
        {"assessment_date": "2022-03-01", "bm_blasts_pct": 8.0, "cycle": 2},
        {"assessment_date": "2022-02-01", "bm_blasts_pct": 30.0, "cycle": 1},
        {"assessment_date": "2022-02-15", "bm_blasts_pct": 50.0, "line": 1},
        {"assessment_date": "2022-04-01", "bm_blasts_pct": 3.0, "patient_id": "2"},
    ])
    prev = previous_blasts_in_line(df)
    assert prev.tolist()[0] == 30.0 and np.isnan(prev.tolist()[1])
    assert np.isnan(prev.tolist()[2]) and np.isnan(prev.tolist()[3])
    assert derive_response(df).iloc[0] == "PR"


# (case, reported, counts, derived column, response used, source, discrepant)
RECONCILE_CASES = [
    ("derived from counts where present: reported CR but CRi", "CR", (2.0, 0.3, 150.0),
     "CRi", "CRi", "derived", True),
    ("derived agrees with reported", "CR", (2.0, 1.5, 150.0), "CR", "CR", "derived", False),
    ("no counts: taken as reported", "CRh", (None, None, None), None, "CRh", "reported", False),
    ("relapse labels are reported only", "relapse", (40.0, 0.1, 10.0), None, "relapse",
     "reported", False),
    ("molecular labels are reported only", "molecular_relapse", (1.0, 2.0, 200.0), None,
     "molecular_relapse", "reported", False),
    ("NR from counts keeps the reported PD (same non-response category)", "PD",
     (60.0, 0.1, 10.0), "NR", "PD", "derived", False),
    ("nothing reported, nothing derivable", None, (None, None, None), None, None, None, False),
    ("no label, full counts: derived from counts", None, (2.0, 0.3, 150.0), "CRi", "CRi",
     "derived", False),
    ("no label, blasts < 5 %, ANC missing: at least MLFS (CRc)", None, (2.0, None, 20.0),
     "MLFS", "MLFS", "derived", False),
    ("blasts >= 5 % rule out CRc whatever was reported (no earlier assessment)", "CR",
     (12.0, 2.0, 200.0), "NR", "NR", "derived", True),
    ("blasts >= 5 % with a reported PR and no earlier assessment: PR kept (counts allow it)",
     "PR", (12.0, 2.0, 200.0), "NR", "PR", "reported", False),
    ("blasts < 5 %, ANC missing: the level comes from the reported label", "CR",
     (2.0, None, 150.0), "CRi", "CR", "reported", False),
    ("blasts < 5 %, ANC missing, reported NR: at least MLFS (CRc), recorded", "NR",
     (2.0, None, None), "MLFS", "MLFS", "derived", True),
    ("blasts < 5 %, platelets missing, reported CR but ANC 0.3 cannot be CR", "CR",
     (2.0, 0.3, None), "MLFS", "MLFS", "derived", True),
    ("molecular response kept when counts allow CRc", "molecular_response",
     (1.0, 2.0, 200.0), None, "molecular_response", "reported", False),
    ("molecular response overruled when counts rule out CRc", "molecular_response",
     (30.0, 2.0, 200.0), "NR", "NR", "derived", True),
]


@pytest.mark.parametrize(("case", "reported", "counts", "derived", "used", "source", "disc"),
                         RECONCILE_CASES, ids=[c[0] for c in RECONCILE_CASES])
def test_reconcile(case, reported, counts, derived, used, source, disc):
    b, a, p = counts
    df = _assess([{"response": reported, "bm_blasts_pct": b, "anc": a, "platelets": p,
                   "circulating_blasts": False, "extramedullary": False}])
    r = reconcile_responses(df).iloc[0]
    for col, want in (("response_derived", derived), ("response", used),
                      ("response_source", source)):
        assert (None if pd.isna(r[col]) else r[col]) == want, col
    assert bool(r["response_discrepant"]) is disc
    d = response_discrepancies(reconcile_responses(df))
    undetermined = reported is None and b is None
    assert len(d) == int(disc or undetermined)
    if undetermined:
        assert "response undetermined" in d["reason"].iloc[0]


def test_discrepancy_reason_names_the_assessment_and_its_counts():
    df = _assess([{"response": "CR", "bm_blasts_pct": 12.0, "anc": 2.0, "platelets": 200.0}])
    d = response_discrepancies(reconcile_responses(df)).iloc[0]
    assert (d["reported"], d["derived"]) == ("CR", "NR")
    assert "line 2, cycle 1, 2022-01-01" in d["reason"]
    assert "marrow blasts 12 %" in d["reason"] and "platelets 200" in d["reason"]


def _salvage(cycles=3, hsct="2022-06-01", line=2):
    return pd.DataFrame({"centre_id": ["C"], "patient_id": ["1"], "salvage_line": [line],
                         "salvage_cycles": pd.array([cycles], dtype="Int64"),
                         "hsct_date": pd.to_datetime([hsct])})


# (case, [(cycle, date, reported)], salvage cycles, expected per-line values)
LINE_CASES = [
    ("early: CRc at the end of cycle 1", [(1, "2022-02-01", "CRi"), (2, "2022-03-01", "CR")], 3,
     dict(c1_response=True, crc_ever=True, response_timing="early", best_response="CR",
          pre_hsct_status="CRc")),
    ("late: first CRc after cycle 1", [(1, "2022-02-01", "NR"), (3, "2022-04-01", "MLFS")], 3,
     dict(c1_response=False, crc_ever=True, response_timing="late", best_response="MLFS",
          pre_hsct_status="CRc")),
    ("none: never CRc; refractory at HSCT", [(1, "2022-02-01", "PR"), (2, "2022-03-01", "PD")],
     3, dict(c1_response=False, crc_ever=False, response_timing="none", best_response="PR",
             pre_hsct_status="refractory")),
    ("CRc lost before transplant -> refractory at HSCT",
     [(1, "2022-02-01", "CR"), (2, "2022-05-01", "relapse")], 3,
     dict(c1_response=True, response_timing="early", pre_hsct_status="refractory")),
    ("assessment after the transplant is not the pre-HSCT status",
     [(1, "2022-02-01", "CR"), (2, "2022-07-01", "NR")], 3,
     dict(pre_hsct_status="CRc", best_response="CR")),
    ("one-cycle line: end-of-line assessment is end of cycle 1",
     [(None, "2022-02-01", "CRh")], 1, dict(c1_response=True, response_timing="early")),
    ("cycle 1 not assessed and CRc only at best response: timing unknown",
     [(None, "2022-04-01", "CR")], 3, dict(c1_response=None, crc_ever=True,
                                            response_timing=None)),
    ("molecular response after molecular relapse counts as CRc",
     [(1, "2022-02-01", "molecular_response")], 3,
     dict(c1_response=True, best_response="molecular_response", pre_hsct_status="CRc")),
    ("SD/NR ranks above PD in best response", [(1, "2022-02-01", "PD"), (2, "2022-03-01", "SD")],
     3, dict(best_response="SD")),
]


@pytest.mark.parametrize(("case", "assessments", "cycles", "expected"), LINE_CASES,
                         ids=[c[0] for c in LINE_CASES])
def test_salvage_line_response(case, assessments, cycles, expected):
    df = _assess([{"cycle": c, "assessment_date": d, "response": r} for c, d, r in assessments])
    out = salvage_line_response(reconcile_responses(df), _salvage(cycles)).iloc[0]
    for col, want in expected.items():
        got = out[col]
        assert (None if pd.isna(got) else got) == want, (col, got)


def test_other_lines_and_no_assessment():
    df = _assess([{"line": 1, "cycle": 1, "response": "CR"}])
    out = salvage_line_response(reconcile_responses(df), _salvage()).iloc[0]
    assert pd.isna(out["crc_ever"]) and out["pre_hsct_status"] is None


counts = st.tuples(
    st.floats(0, 100, allow_nan=False), st.floats(0, 50, allow_nan=False),
    st.floats(0, 1000, allow_nan=False), st.booleans(), st.booleans(),
    st.floats(0, 100, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=1, max_size=20))
def test_complete_counts_always_give_a_response(rows):
    """Property: with blasts, ANC, platelets, flags and a previous count, never <NA>."""
    df = _assess([{"bm_blasts_pct": b, "anc": a, "platelets": p, "circulating_blasts": c,
                   "extramedullary": e} for b, a, p, c, e, _ in rows])
    prev = pd.Series([x[5] + 0.01 for x in rows], dtype="float64")
    got = derive_response(df, prev)
    assert got.notna().all()
    crc = got.isin(["CR", "CRh", "CRi", "MLFS"])
    assert (df.loc[crc, "bm_blasts_pct"] < 5).all()


@settings(max_examples=20, deadline=None)
@given(st.permutations(list(range(6))))
def test_line_response_invariant_to_row_order(perm):
    rows = [(1, "2022-02-01", "NR"), (2, "2022-03-01", "CRi"), (3, "2022-04-01", "CR"),
            (3, "2022-04-01", "PR"), (None, "2022-05-01", "CR"), (1, "2022-02-01", "PD")]
    df = _assess([{"cycle": c, "assessment_date": d, "response": r}
                   for c, d, r in (rows[i] for i in perm)])
    out = salvage_line_response(reconcile_responses(df), _salvage()).iloc[0]
    assert out["response_timing"] == "late" and out["best_response"] == "CR"
    assert out["pre_hsct_status"] == "CRc"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.floats(0, 100, allow_nan=False), st.floats(0, 5, allow_nan=False),
    st.floats(0, 400, allow_nan=False), st.booleans(), st.booleans(), st.booleans(),
    st.booleans()), min_size=1, max_size=15))
def test_missing_counts_never_overstate_nor_change_crc(rows):
    """Property: hiding ANC or platelets keeps CRc membership and the full-count answer among
    the allowed responses, and the derived level is never better than the full-count one."""
    full = _assess([{"bm_blasts_pct": b, "anc": a, "platelets": p, "circulating_blasts": c}
                    for b, a, p, c, _, _, _ in rows])
    hidden = _assess([{"bm_blasts_pct": b, "anc": None if ha else a,
                       "platelets": None if hp else p, "circulating_blasts": c}
                      for b, a, p, c, _, ha, hp in rows])
    prev = pd.Series([np.nan] * len(rows), dtype="float64")
    got_full = derive_response(full, prev)
    got_hidden = derive_response(hidden, prev)
    allowed = possible_responses(hidden, prev)
    crc = ["CR", "CRh", "CRi", "MLFS"]
    for f, h, mask in zip(got_full, got_hidden, allowed, strict=True):
        assert (f in crc) == (h in crc)
        assert (mask >> RESPONSE_RANK[f]) & 1
        assert RESPONSE_RANK[h] >= RESPONSE_RANK[f]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["CR", "CRh", "CRi", "MLFS", "PR", "NR", "SD", "PD", None]),
       st.floats(5, 100, allow_nan=False), st.floats(0, 5, allow_nan=False),
       st.floats(0, 400, allow_nan=False))
def test_blasts_of_5_or_more_are_never_crc_whatever_was_reported(label, blasts, anc, plt):
    df = _assess([{"response": label, "bm_blasts_pct": blasts, "anc": anc, "platelets": plt}])
    r = reconcile_responses(df).iloc[0]
    assert r["response"] not in ("CR", "CRh", "CRi", "MLFS")
    pr_impossible = label == "PR" and blasts > 25
    assert bool(r["response_discrepant"]) is (label in ("CR", "CRh", "CRi", "MLFS")
                                              or pr_impossible)
