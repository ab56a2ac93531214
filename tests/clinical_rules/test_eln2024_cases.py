"""Table-driven ELN 2024 cases; each id names the guideline clause.

ELN 2024: Döhner et al., Blood 2024;144:2169-73, Table 1. Every case is checked on the
vectorised function and on the row-by-row reference implementation.
"""

from __future__ import annotations

import pandas as pd
import pytest
from eln_cases_support import NEG, NK, case_ids, frames, mutation_rows

from clinical_rules.eln import (
    ELN2024_COLUMNS,
    eln2022_risk,
    eln2024_one,
    eln2024_risk,
    gene_findings_one,
)

# (id citing the clause, karyotype, mutations, expected ELN 2024)
ELN2024_CASES = [
    (
        "ELN2024 T1 adv: TP53 mutated, any VAF (3%) -> adverse",
        NK,
        "TP53+0.03 FLT3- NRAS- KRAS-",
        "adverse",
    ),
    (
        "ELN2024 T1 adv: TP53 mutated decides although others untested -> adverse",
        None,
        "TP53+0.4",
        "adverse",
    ),
    ("ELN2024 info: TP53 not tested -> unknown", NK, "NPM1+ FLT3- NRAS- KRAS-", "unknown"),
    (
        "ELN2024 T1 fav: NPM1 mut, FLT3-ITD neg, NRAS/KRAS wt, TP53 wt -> favorable",
        NK,
        "NPM1+ " + NEG.replace("NPM1- ", ""),
        "favorable",
    ),
    (
        "ELN2024 T1 int: NPM1 mut with FLT3-ITD -> intermediate",
        NK,
        "NPM1+ FLT3+ITD TP53- NRAS- KRAS-",
        "intermediate",
    ),
    (
        "ELN2024 T1 fav: IDH2 mut, FLT3-ITD neg, RAS wt, TP53 wt -> favorable",
        NK,
        "IDH2+ " + NEG,
        "favorable",
    ),
    (
        "ELN2024 T1 int: IDH2 mut with NRAS mut -> intermediate",
        NK,
        "IDH2+ FLT3- TP53- NRAS+ KRAS-",
        "intermediate",
    ),
    (
        "ELN2024 T1 fn: IDH1 mut with KRAS mut, general rule (not AZA+IVO) -> intermediate",
        NK,
        "IDH1+ FLT3- TP53- NRAS- KRAS+",
        "intermediate",
    ),
    (
        "ELN2024 T1 fn: IDH1 mut, all negative, general rule -> favorable",
        NK,
        "IDH1+ " + NEG,
        "favorable",
    ),
    (
        "ELN2024 T1 fav: DDX41 mut with FLT3-ITD, TP53 wt -> favorable",
        NK,
        "DDX41+ FLT3+ITD TP53- NRAS- KRAS-",
        "favorable",
    ),
    (
        "ELN2024 T1 adv: DDX41 mut with TP53 mut -> adverse",
        NK,
        "DDX41+ TP53+0.2 FLT3- NRAS- KRAS-",
        "adverse",
    ),
    (
        "ELN2024 T1 fav: DDX41 mut, TP53 wt, FLT3/RAS untested -> favorable",
        NK,
        "DDX41+ TP53-",
        "favorable",
    ),
    (
        "ELN2024 T1 fav: other findings incl. normal karyotype, all negative -> favorable",
        NK,
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: karyotype plays no part (-7, complex) all negative -> favorable",
        "44,XY,-5,-7,del(17)(p11)[20]",
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: karyotype plays no part (no karyotype) all negative -> favorable",
        None,
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: MR genes play no part (ASXL1, RUNX1) -> favorable",
        NK,
        NEG + " ASXL1+ RUNX1+",
        "favorable",
    ),
    (
        "ELN2024 T1 int: TP53 wt + FLT3-ITD pos, RAS untested -> intermediate",
        NK,
        "TP53- FLT3+ITD",
        "intermediate",
    ),
    (
        "ELN2024 T1 int: TP53 wt + KRAS mut, FLT3 untested -> intermediate",
        NK,
        "TP53- KRAS+",
        "intermediate",
    ),
    (
        "ELN2024 info: TP53 wt, FLT3 neg, NRAS untested -> unknown",
        NK,
        "TP53- FLT3- KRAS-",
        "unknown",
    ),
    (
        "ELN2024 T1: FLT3-TKD is not ITD -> favorable",
        NK,
        "FLT3+TKD TP53- NRAS- KRAS- NPM1+",
        "favorable",
    ),
    (
        "ELN2024 info: FLT3 detected without variant text -> unknown",
        NK,
        "FLT3+ TP53- NRAS- KRAS-",
        "unknown",
    ),
    ("ELN2024 info: nothing tested -> unknown", NK, "", "unknown"),
    (
        "ELN2024 info: TP53 row with detected missing = not tested -> unknown",
        NK,
        "TP53? FLT3- NRAS- KRAS-",
        "unknown",
    ),
]


def test_case_count_and_unique_ids() -> None:
    assert len(ELN2024_CASES) >= 15
    assert len(set(case_ids(ELN2024_CASES))) == len(ELN2024_CASES)


@pytest.mark.parametrize(
    ("name", "karyotype", "muts", "expected"), ELN2024_CASES, ids=case_ids(ELN2024_CASES)
)
def test_eln2024_case(name: str, karyotype: str | None, muts: str, expected: str) -> None:
    patients, mutations = frames(karyotype, muts)
    out = eln2024_risk(patients, mutations)
    assert list(out.columns) == list(ELN2024_COLUMNS)
    assert out["eln2024"].iloc[0] == expected, out["eln2024_reason"].iloc[0]
    assert bool(out["eln2024_applicable"].iloc[0])
    cat, reason = eln2024_one(gene_findings_one(mutation_rows(muts)))
    assert (cat, reason) == (out["eln2024"].iloc[0], out["eln2024_reason"].iloc[0])
    if expected != "unknown":
        assert "ELN 2024" in reason and f"-> {expected}" in reason


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
