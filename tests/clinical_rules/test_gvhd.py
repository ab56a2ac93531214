"""GVHD after the first allograft (modified Glucksberg acute grade; NIH / legacy chronic)."""

from __future__ import annotations

import pandas as pd
import pytest

from clinical_rules.gvhd import (
    acute_grade_number,
    gvhd_after_first_allograft,
    gvhd_discrepancies,
)

HSCT = pd.Timestamp("2022-01-01")
FIRST = pd.DataFrame({"centre_id": ["C"], "patient_id": ["1"], "hsct_date": [HSCT]})


def _gvhd(rows: list[tuple]) -> pd.DataFrame:
    """rows: (kind, day after HSCT, grade)."""
    return pd.DataFrame({
        "centre_id": "C", "patient_id": "1", "kind": [r[0] for r in rows],
        "onset_date": pd.to_datetime([HSCT + pd.Timedelta(days=r[1]) for r in rows]),
        "grade": [r[2] for r in rows],
    })


@pytest.mark.parametrize(("written", "grade"), [
    ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("I", 1), ("II", 2), ("III", 3), ("IV", 4),
    ("iv", 4), ("grade II", 2), ("5", None), (None, None)])
def test_acute_grades_arabic_and_roman_accepted(written, grade):
    got = acute_grade_number(pd.Series([written], dtype=object)).iloc[0]
    assert (None if pd.isna(got) else int(got)) == grade




def D(days: int) -> pd.Timestamp:  # noqa: N802 - reads like the day-count notation
    return HSCT + pd.Timedelta(days=days)


# (case, episodes, expected)
CASES = [
    ("grade II-IV: first onset of grade >= II within day 100",
     [("acute", 10, "I"), ("acute", 20, "II"), ("acute", 40, "III")],
     dict(agvhd_max_grade=3, agvhd_2_4_date=D(days=20), agvhd_3_4_date=D(days=40))),
    ("acute GVHD counted only with onset within 100 days (day 100 inclusive)",
     [("acute", 100, "2"), ("acute", 101, "4")],
     dict(agvhd_max_grade=2, agvhd_2_4_date=D(days=100), agvhd_3_4_date=None)),
    ("no GVHD recorded after transplant: grade 0", [],
     dict(agvhd_max_grade=0, agvhd_2_4_date=None, cgvhd_date=None)),
    ("acute onset before transplant is not counted", [("acute", -3, "3")],
     dict(agvhd_max_grade=0, agvhd_3_4_date=None)),
    ("chronic: first onset; severe = NIH severe",
     [("chronic", 150, "mild"), ("chronic", 300, "severe")],
     dict(cgvhd_date=D(days=150), cgvhd_severe_date=D(days=300))),
    ("severe cGVHD = extensive where only the legacy scale is given",
     [("chronic", 200, "limited"), ("chronic", 250, "extensive")],
     dict(cgvhd_date=D(days=200), cgvhd_severe_date=D(days=250))),
    ("extensive does not count as severe when NIH grading is given",
     [("chronic", 200, "moderate"), ("chronic", 250, "extensive")],
     dict(cgvhd_date=D(days=200), cgvhd_severe_date=None)),
]


@pytest.mark.parametrize(("case", "episodes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gvhd_endpoints(case, episodes, expected):
    out = gvhd_after_first_allograft(_gvhd(episodes), FIRST).iloc[0]
    for col, want in expected.items():
        got = out[col]
        assert (None if pd.isna(got) else got) == want, (col, got)


def test_flags_instead_of_dropping_silently():
    g = _gvhd([("acute", -3, "3"), ("acute", 5, "V"), ("chronic", 200, "bad")])
    g = pd.concat([g, g.iloc[[0]].assign(patient_id="2")], ignore_index=True)
    d = gvhd_discrepancies(g, FIRST)
    reasons = d["reason"].tolist()
    assert sum("before the first allograft" in r for r in reasons) == 1
    assert sum("without an allograft" in r for r in reasons) == 1
    assert sum("not readable" in r for r in reasons) == 2
