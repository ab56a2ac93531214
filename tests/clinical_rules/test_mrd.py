"""Pre-transplant MRD rules (ELN MRD working party thresholds, 28-day window)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.mrd import classify_mrd_measurement, mrd_discrepancies, pre_transplant_mrd
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds

HSCT = pd.Timestamp("2022-06-01")


def _mrd(rows: list[tuple]) -> pd.DataFrame:
    """rows: (days before HSCT, method, tissue, value, result_reported)."""
    return pd.DataFrame({
        "centre_id": "C", "patient_id": "1",
        "sample_date": [HSCT - pd.Timedelta(days=d) for d, *_ in rows],
        "method": [r[1] for r in rows], "tissue": [r[2] for r in rows],
        "value": pd.array([r[3] for r in rows], dtype="float64"),
        "result_reported": [r[4] for r in rows],
    })


FIRST = pd.DataFrame({"centre_id": ["C"], "patient_id": ["1"], "hsct_date": [HSCT]})

# (case, method, tissue, value, reported, expected positive)
MEASUREMENT_CASES = [
    ("MFC (bone marrow): positive when >= 0.1 %", "MFC", "BM", 0.1, None, True),
    ("MFC (bone marrow): 0.09 % is negative", "MFC", "BM", 0.09, None, False),
    ("NPM1 RT-qPCR: negative when <= 1e-4", "NPM1", "BM", 1e-4, None, False),
    ("NPM1 RT-qPCR: 2e-4 is positive", "NPM1", "PB", 2e-4, None, True),
    ("WT1 RT-qPCR on peripheral blood: negative when <= 1e-3", "WT1", "PB", 1e-3, None, False),
    ("WT1 RT-qPCR on peripheral blood: 5e-3 is positive", "WT1", "PB", 5e-3, None, True),
    ("WT1 on marrow has no threshold: reported result used", "WT1", "BM", 5e-3, "negative",
     False),
    ("other_pcr: reported result used", "other_pcr", "BM", 0.5, "positive", True),
    ("no value: reported result used", "MFC", "BM", None, "positive", True),
    ("no value and no report: not evaluable", "MFC", "BM", None, None, None),
    # exact thresholds (ELN MRD 2021; clinical-rules.md)
    ("boundary: MFC exactly 0.1 % is positive", "MFC", "BM", 0.1, "negative", True),
    ("boundary: MFC 0.0999 % is negative", "MFC", "BM", 0.0999, "positive", False),
    ("boundary: MFC 0.1 % reached by arithmetic (0.3 - 0.2) is positive", "MFC", "BM",
     0.3 - 0.2, None, True),
    ("boundary: NPM1 exactly 1e-4 is negative", "NPM1", "PB", 1e-4, "positive", False),
    ("boundary: NPM1 1e-4 from a percent (0.01 % / 100) is negative", "NPM1", "BM",
     0.01 / 100, None, False),
    ("boundary: NPM1 1.01e-4 is positive", "NPM1", "BM", 1.01e-4, "negative", True),
    ("boundary: WT1 (PB) exactly 1e-3 is negative", "WT1", "PB", 1e-3, "positive", False),
    ("boundary: WT1 (PB) 1.01e-3 is positive", "WT1", "PB", 1.01e-3, "negative", True),
    ("MFC on peripheral blood has no threshold: reported result used", "MFC", "PB", 0.5,
     "negative", False),
]


@pytest.mark.parametrize(("case", "method", "tissue", "value", "reported", "expected"),
                         MEASUREMENT_CASES, ids=[c[0] for c in MEASUREMENT_CASES])
def test_measurement(case, method, tissue, value, reported, expected):
    got = classify_mrd_measurement(_mrd([(5, method, tissue, value, reported)]))["positive"]
    assert (None if pd.isna(got.iloc[0]) else bool(got.iloc[0])) == expected


# (case, rows, pre_hsct_status, expected status, expected methods)
PATIENT_CASES = [
    ("any positive method makes the patient positive (MFC-neg / PCR-pos discordant)",
     [(5, "MFC", "BM", 0.01, None), (5, "NPM1", "PB", 1e-2, None)], "CRc", "positive",
     "MFC+NPM1"),
    ("all methods negative", [(5, "MFC", "BM", 0.01, None), (3, "WT1", "PB", 1e-4, None)],
     "CRc", "negative", "MFC+WT1"),
    ("latest measurement per method in the window wins",
     [(20, "MFC", "BM", 1.0, None), (2, "MFC", "BM", 0.01, None)], "CRc", "negative", "MFC"),
    ("window inclusive: day -28 counts", [(28, "MFC", "BM", 1.0, None)], "CRc", "positive",
     "MFC"),
    ("window: day -29 is outside -> not done", [(29, "MFC", "BM", 1.0, None)], "CRc",
     "not_done", None),
    ("window boundary: negative on day -28 counts, positive on day -29 does not",
     [(29, "MFC", "BM", 1.0, None), (28, "MFC", "BM", 0.01, None)], "CRc", "negative", "MFC"),
    ("window boundary: PCR positive on day -28 with MFC negative later is positive",
     [(28, "NPM1", "BM", 1e-3, None), (3, "MFC", "BM", 0.01, None)], "CRc", "positive",
     "MFC+NPM1"),
    ("window inclusive: day 0 counts", [(0, "MFC", "BM", 1.0, None)], "CRc", "positive",
     "MFC"),
    ("after the transplant does not count", [(-3, "MFC", "BM", 1.0, None)], "CRc", "not_done",
     None),
    ("not in CRc at transplant: not applicable", [(5, "MFC", "BM", 1.0, None)], "refractory",
     "not_applicable", "MFC"),
    ("unknown pre-HSCT status: MRD still reported", [(5, "MFC", "BM", 0.01, None)], None,
     "negative", "MFC"),
    ("same-day duplicate measurements: positive if any", [(5, "MFC", "BM", 0.01, None),
                                                          (5, "MFC", "BM", 0.5, None)],
     "CRc", "positive", "MFC"),
]


@pytest.mark.parametrize(("case", "rows", "status", "expected", "methods"), PATIENT_CASES,
                         ids=[c[0] for c in PATIENT_CASES])
def test_pre_transplant_mrd(case, rows, status, expected, methods):
    st_frame = pd.DataFrame({"centre_id": ["C"], "patient_id": ["1"],
                             "pre_hsct_status": [status]})
    out = pre_transplant_mrd(_mrd(rows), FIRST, st_frame).iloc[0]
    assert out["mrd_pre_hsct"] == expected
    assert (None if pd.isna(out["mrd_methods"]) else out["mrd_methods"]) == methods


def test_thresholds_are_configurable():
    rows = [(5, "MFC", "BM", 0.05, None)]
    assert pre_transplant_mrd(_mrd(rows), FIRST).iloc[0]["mrd_pre_hsct"] == "negative"
    t = ClinicalThresholds(mrd_mfc_positive_pct=0.01)
    assert pre_transplant_mrd(_mrd(rows), FIRST, thresholds=t).iloc[0]["mrd_pre_hsct"] == \
        "positive"
    assert DEFAULT_THRESHOLDS.mrd_window_days == 28


def test_discrepancy_reported_vs_threshold():
    rows = [(5, "NPM1", "PB", 5e-4, "negative"), (5, "MFC", "BM", 0.5, "positive"),
            (5, "other_pcr", "BM", 0.5, "negative")]
    d = mrd_discrepancies(_mrd(rows))
    assert d[["reported", "derived"]].values.tolist() == [["negative", "positive"]]


def test_untransplanted_patients_are_absent():
    out = pre_transplant_mrd(_mrd([(5, "MFC", "BM", 1.0, None)]), FIRST.iloc[0:0])
    assert out.empty


row = st.tuples(st.integers(-5, 40), st.sampled_from(["MFC", "NPM1", "WT1", "other_pcr"]),
                st.sampled_from(["BM", "PB"]), st.one_of(st.none(), st.floats(0, 2)),
                st.sampled_from([None, "positive", "negative"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=12), st.randoms())
def test_result_invariant_to_row_order(rows, rnd):
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a = pre_transplant_mrd(_mrd(rows), FIRST).iloc[0].tolist()
    b = pre_transplant_mrd(_mrd(shuffled), FIRST).iloc[0].tolist()
    assert a == b
