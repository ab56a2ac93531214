"""Table-driven ELN 2022 / ELN 2024 cases; each id names the guideline clause.

ELN 2022: Döhner et al., Blood 2022;140:1345-77, Table 6. ELN 2024: Döhner et al., Blood
2024;144:2169-73, Table 1. Every case is checked on the vectorised function and on the
row-by-row reference implementation (the tables: eln2022_case_table.py, eln2024_case_table.py).
"""

from __future__ import annotations

import pandas as pd
import pytest
from eln2022_case_table import ELN2022_CASES
from eln2024_case_table import ELN2024_CASES
from eln_cases_support import NEG, NK, case_ids, check_case, frames, mutation_rows

from clinical_rules.eln import eln2022_risk, eln2024_risk

CASES = [(2022, *case) for case in ELN2022_CASES] + [(2024, *case) for case in ELN2024_CASES]


def test_case_counts() -> None:
    assert len(ELN2022_CASES) >= 25 and len(ELN2024_CASES) >= 15
    names = case_ids(ELN2022_CASES + ELN2024_CASES)
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize(("year", "name", "karyotype", "muts", "expected"), CASES,
                         ids=[case[1] for case in CASES])
def test_eln_case(year: int, name: str, karyotype: str | None, muts: str,
                  expected: str) -> None:
    check_case(year, karyotype, muts, expected)


def test_reason_names_clause() -> None:
    """Reasons name the deciding clause (spec: disagreements carry a reason)."""
    p, m = frames("45,XX,-7[20]", "NPM1+ FLT3-")
    reason = eln2022_risk(p, m)["eln2022_reason"].iloc[0]
    assert reason.startswith("NPM1 mutated with adverse cytogenetics: -7 -> adverse")
    p, m = frames(NK, "NPM1- FLT3- ASXL1+ RUNX1+")
    assert "ASXL1, RUNX1" in eln2022_risk(p, m)["eln2022_reason"].iloc[0]
    p, m = frames(None, "")
    assert (
        eln2022_risk(p, m)["eln2022_reason"]
        .iloc[0]
        .startswith("no karyotype and no class-defining mutation -> unknown")
    )
    p, m = frames(NK, "FLT3-")
    assert "NPM1 not tested" in eln2022_risk(p, m)["eln2022_reason"].iloc[0]


def test_eln2022_flags() -> None:
    """adverse_cytogenetics / complex / monosomal flags; <NA> when the karyotype cannot tell."""
    p = pd.DataFrame(
        {
            "centre_id": ["A"] * 5,
            "patient_id": ["1", "2", "3", "4", "5"],
            "karyotype": ["44,XY,-5,-7,del(17)(p11)[20]", NK, None, "45,XY,-7,foo[20]", "bar"],
        }
    )
    m = frames(None, "")[1]
    out = eln2022_risk(p, m)
    assert out["adverse_cytogenetics"].tolist() == [True, False, pd.NA, True, pd.NA]
    assert out["complex_karyotype"].tolist() == [True, False, pd.NA, pd.NA, pd.NA]
    assert out["monosomal_karyotype"].tolist() == [True, False, pd.NA, pd.NA, pd.NA]
    assert out["karyotype_unparsed"].tolist() == [None, None, None, "foo", "bar"]
    assert str(out["adverse_cytogenetics"].dtype) == "boolean"


def test_eln2024_prior_hma_applicable() -> None:
    """ELN 2024 T1 footnote: does not apply after prior HMA; computed for everyone anyway."""
    p = pd.DataFrame(
        {"centre_id": ["A", "A", "A"], "patient_id": ["1", "2", "3"], "karyotype": [NK, NK, NK]},
        index=[10, 11, 12],
    )
    rows = mutation_rows(NEG, "A", "1") + mutation_rows(NEG, "A", "2")
    m = pd.DataFrame(rows).astype({"detected": "boolean"})
    prior = pd.Series([True, False, None], index=[10, 11, 12], dtype="boolean")
    out = eln2024_risk(p, m, prior)
    assert out["eln2024_applicable"].tolist() == [False, True, True]
    assert out["eln2024"].tolist() == ["favorable", "favorable", "unknown"]
    assert eln2024_risk(p, m)["eln2024_applicable"].all()


def test_eln2022_and_2024_differ_on_tp53_vaf() -> None:
    """TP53 5 %: not adverse in ELN 2022 (VAF >= 10 %), adverse in ELN 2024 (no cut-off)."""
    p, m = frames(NK, "NPM1- FLT3- NRAS- KRAS- TP53+0.05")
    assert eln2022_risk(p, m)["eln2022"].iloc[0] == "intermediate"
    assert eln2024_risk(p, m)["eln2024"].iloc[0] == "adverse"
