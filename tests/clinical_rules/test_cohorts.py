"""Regimen catalogue, salvage line and study cohorts (AZA/VEN R/R, frontline, IC comparator)."""

from __future__ import annotations

import pandas as pd
import pytest

from clinical_rules.cohorts import (
    classify_regimen_text,
    classify_regimens,
    identify_salvage_line,
    unknown_treatment_regimens,
)

# (case, written regimen, expected class)
REGIMEN_CASES = [
    ("AZA/VEN written AZA-VEN", "AZA-VEN", "azaven"),
    ("AZA/VEN written Aza/Ven", "Aza/Ven", "azaven"),
    ("AZA/VEN written VEN+AZA", "VEN+AZA", "azaven"),
    ("HMA + venetoclax: DEC-VEN", "DEC-VEN", "azaven"),
    ("AZA/VEN written in full", "azacitidine + venetoclax", "azaven"),
    ("AZA/VEN with a third agent", "AZA-VEN-gilteritinib", "azaven"),
    ("IC: 7+3", "7+3", "ic"),
    ("IC: 3+7", "3 + 7", "ic"),
    ("IC: FLAG-Ida", "FLAG-Ida", "ic"),
    ("IC: FLAG", "FLAG", "ic"),
    ("IC: CPX-351", "CPX-351", "ic"),
    ("IC: HiDAC", "HiDAC", "ic"),
    ("IC: MEC", "MEC", "ic"),
    ("IC: CLARA", "CLARA", "ic"),
    ("IC: GO-based", "GO-based", "ic"),
    ("IC with venetoclax stays intensive", "FLAG-Ida-VEN", "ic"),
    ("HMA only: AZA", "AZA", "hma"),
    ("HMA only: decitabine", "Decitabine", "hma"),
    ("low-intensity venetoclax without HMA is not AZA/VEN", "LDAC-VEN", "other"),
    ("not in the catalogue", "XYZ-123", "unknown"),
]


@pytest.mark.parametrize(("case", "regimen", "expected"), REGIMEN_CASES,
                         ids=[c[0] for c in REGIMEN_CASES])
def test_regimen_catalogue(case, regimen, expected):
    assert classify_regimen_text(regimen)["regimen_class"] == expected


def test_classify_regimens_vectorised():
    s = pd.Series(["AZA-VEN", None, "7+3", "AZA-VEN"], index=[10, 11, 12, 13], dtype=object)
    out = classify_regimens(s)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["regimen_class"].tolist() == ["azaven", None, "ic", "azaven"]
    assert out["has_hma"].tolist() == [True, False, False, True]


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """rows: (patient, line, regimen, indication, start, cycles)."""
    df = pd.DataFrame(rows, columns=["patient_id", "line", "regimen", "indication",
                                     "start_date", "cycles"])
    df.insert(0, "centre_id", "C")
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.NaT
    for c in ("line", "cycles"):
        df[c] = df[c].astype("Int64")
    return df


def _first(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({"centre_id": "C", "patient_id": [r[0] for r in rows],
                         "hsct_date": pd.to_datetime([r[1] for r in rows])})


LINES = _lines([
    # post-IC AZA/VEN for refractory disease, 2 IC lines before
    ("a", 1, "7+3", "frontline", "2021-01-01", 1), ("a", 2, "HiDAC", "relapse", "2021-06-01", 1),
    ("a", 3, "AZA-VEN", "refractory", "2021-09-01", 2),
    # post-HMA AZA/VEN for relapse
    ("b", 1, "AZA", "frontline", "2021-01-01", 6), ("b", 2, "Aza/Ven", "relapse", "2021-09-01", 3),
    # molecular relapse after frontline HMA: molecular relapse takes precedence
    ("c", 1, "AZA", "frontline", "2021-01-01", 6),
    ("c", 2, "DEC-VEN", "molecular_relapse", "2021-09-01", 1),
    # IC comparator: IC salvage before the first allograft; a line after HSCT is ignored
    ("d", 1, "7+3", "frontline", "2021-01-01", 1), ("d", 2, "FLAG-Ida", "relapse", "2021-06-01", 1),
    ("d", 3, "AZA-VEN", "relapse", "2022-06-01", 2),
    # frontline AZA/VEN
    ("e", 1, "VEN+AZA", "frontline", "2021-01-01", 4),
    # non-transplanted: the last line
    ("f", 1, "CPX-351", "frontline", "2021-01-01", 1), ("f", 2, "AZA-VEN", "relapse", "2021-06-01", 2),
    # frontline IC then transplant in CR1: other
    ("g", 1, "FLAG-Ida", "frontline", "2021-01-01", 2),
])
FIRST = _first([("a", "2022-01-01"), ("b", "2022-01-01"), ("c", "2022-01-01"),
                ("d", "2022-01-01"), ("e", "2022-01-01"), ("g", "2021-06-01")])
PATIENTS = pd.DataFrame({"centre_id": "C", "patient_id": list("abcdefgh")})

# (case, patient, expected)
COHORT_CASES = [
    ("AZA/VEN cohort: last line before first allograft is AZA/VEN for refractory disease; "
     "post-IC", "a", dict(cohort="azaven_rr", salvage_setting="post_ic", salvage_line=3,
                          lines_before_salvage=2, status_before_salvage="refractory",
                          prior_hma=False, salvage_cycles=2, salvage_regimen="AZA-VEN")),
    ("post-HMA (frontline HMA for prior high-risk MDS)", "b",
     dict(cohort="azaven_rr", salvage_setting="post_hma", lines_before_salvage=1,
          status_before_salvage="relapse", prior_hma=True)),
    ("molecular relapse takes precedence over post-HMA", "c",
     dict(cohort="azaven_rr", salvage_setting="molecular_relapse",
          status_before_salvage="molecular_relapse", prior_hma=True)),
    ("IC comparator: R/R with IC salvage before the first allograft", "d",
     dict(cohort="ic_comparator", salvage_setting="post_ic", salvage_line=2,
          salvage_regimen="FLAG-Ida", lines_before_salvage=1)),
    ("AZA/VEN as frontline", "e", dict(cohort="azaven_frontline", salvage_setting=None,
                                       status_before_salvage=None, lines_before_salvage=0,
                                       prior_hma=False)),
    ("non-transplanted: the last line", "f", dict(cohort="azaven_rr", salvage_setting="post_ic",
                                                  salvage_line=2)),
    ("frontline IC then transplant: other", "g", dict(cohort="other", salvage_setting=None)),
    ("no treatment lines: other, nothing derived", "h",
     dict(cohort="other", salvage_line=None, prior_hma=None, lines_before_salvage=None)),
]


@pytest.mark.parametrize(("case", "patient", "expected"), COHORT_CASES,
                         ids=[c[0] for c in COHORT_CASES])
def test_cohorts(case, patient, expected):
    out = identify_salvage_line(LINES, FIRST, PATIENTS).set_index("patient_id").loc[patient]
    for col, want in expected.items():
        got = out[col]
        assert (None if pd.isna(got) else got) == want, (col, got)


def test_unknown_treatment_regimens_listed():
    df = _lines([("a", 1, "XYZ", "frontline", "2021-01-01", 1),
                 ("b", 1, "XYZ", "frontline", "2021-01-01", 1),
                 ("c", 1, "AZA-VEN-foo", "frontline", "2021-01-01", 1)])
    u = unknown_treatment_regimens(df).sort_values("regimen")
    assert u.to_dict("records") == [
        {"regimen": "AZA-VEN-foo", "kind": "treatment_line", "count": 1},
        {"regimen": "XYZ", "kind": "treatment_line", "count": 2}]
