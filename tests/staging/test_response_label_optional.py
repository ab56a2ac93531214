"""The response label is optional when the counts are given (export-format.md, responses).

An assessment with marrow blasts, ANC or platelets and no label is staged (its response is
derived from the counts); only a row with neither a label nor counts is quarantined, with a
reason naming the centre, file, row and column.
"""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect
from schemas.staging import stage_table

DIALECT = CentreDialect("GRE", "CHU Grenoble", "FR", decimal=",", missing=("", "NA", "ND"))
BASE = {"patient_id": "P1", "line": "2", "cycle": "1", "assessment_date": "2022-01-01",
        "response": "", "bm_blasts_pct": "", "anc": "", "platelets": "",
        "circulating_blasts": "", "extramedullary": ""}


def _raw(rows: list[dict[str, str]]) -> pd.DataFrame:
    cols = CANONICAL_TABLES["responses"].column_names
    frame = pd.DataFrame([{**BASE, **r} for r in rows])[cols]
    lineage = pd.DataFrame({"centre_id": "GRE", "delivery": "2026-11-23",
                            "file": "reponses.csv", "source_row": range(1, len(rows) + 1)})
    out = pd.concat([lineage, frame], axis=1)
    out["unmapped"] = None
    return out


# (case, row, staged)
CASES = [
    ("label and counts: staged", {"response": "CR", "bm_blasts_pct": "2", "anc": "1,5",
                                  "platelets": "150"}, True),
    ("counts without a label: staged, the response is derived",
     {"bm_blasts_pct": "2", "anc": "1,5", "platelets": "150"}, True),
    ("marrow blasts alone without a label: staged", {"bm_blasts_pct": "3,5"}, True),
    ("a label without counts: staged, taken as reported", {"response": "NR"}, True),
    ("a missing-value marker is no label", {"response": "ND", "anc": "0,4"}, True),
    ("neither a label nor counts: quarantined", {"circulating_blasts": "false"}, False),
    ("neither a label nor counts, markers only: quarantined",
     {"response": "NA", "bm_blasts_pct": "ND"}, False),
]


@pytest.mark.parametrize(("case", "row", "staged"), CASES, ids=[c[0] for c in CASES])
def test_label_optional_when_counts_are_given(case: str, row: dict[str, str],
                                              staged: bool) -> None:
    st = stage_table(_raw([row]), "responses", DIALECT)
    assert len(st.typed) == int(staged)
    assert len(st.quarantine) == int(not staged)
    if not staged:
        q = st.quarantine.iloc[0]
        assert q["rule"] == "response_or_counts" and q["column_name"] == "response"
        assert "centre GRE, file reponses.csv, row 1, column 'response'" in q["reason"]
        assert "neither" in q["reason"] and "bm_blasts_pct" in q["reason"]


def test_only_the_row_without_label_and_counts_is_quarantined() -> None:
    rows = [{"cycle": "1", "bm_blasts_pct": "2"}, {"cycle": "2"},
            {"cycle": "3", "response": "CRi"}, {"cycle": "4", "platelets": "20"}]
    st = stage_table(_raw(rows), "responses", DIALECT)
    assert st.typed["source_row"].tolist() == [1, 3, 4]
    assert st.quarantine["source_row"].tolist() == [2]
    assert st.typed["response"].isna().tolist() == [True, False, True]


def test_an_unknown_label_is_still_quarantined_even_with_counts() -> None:
    st = stage_table(_raw([{"response": "RCx", "bm_blasts_pct": "2"}]), "responses", DIALECT)
    assert len(st.typed) == 0
    assert st.quarantine.iloc[0]["rule"] == "allowed_codes"
