"""Table-driven ELN 2022 cases; each id names the guideline clause.

ELN 2022: Döhner et al., Blood 2022;140:1345-77, Table 6. Every case is checked on the
vectorised function and on the row-by-row reference implementation.
"""

from __future__ import annotations

import pandas as pd
import pytest
from eln_cases_support import NEG, NK, case_ids, frames, mutation_rows

from clinical_rules.eln import ELN2022_COLUMNS, eln2022_one, eln2022_risk, gene_findings_one

# (id citing the clause, karyotype, mutations, expected ELN 2022)
ELN2022_CASES = [
    (
        "ELN2022 T6 fav: t(8;21)(q22;q22.1) -> favorable",
        "46,XY,t(8;21)(q22;q22.1)[20]",
        NEG,
        "favorable",
    ),
    (
        "ELN2022 T6 fav: t(8;21) old bands (q22;q22), FLT3-ITD -> favorable",
        "46,XX,t(8;21)(q22;q22)[20]",
        "NPM1- FLT3+ITD",
        "favorable",
    ),
    (
        "ELN2022 T6 fn: MR gene (ASXL1) with favorable t(8;21) not adverse -> favorable",
        "45,X,-Y,t(8;21)(q22;q22)[20]",
        "ASXL1+ NPM1- FLT3-",
        "favorable",
    ),
    (
        "ELN2022 T6 fav: inv(16)(p13.1q22) -> favorable",
        "46,XX,inv(16)(p13.1q22)[15]/46,XX[5]",
        NEG,
        "favorable",
    ),
    (
        "ELN2022 T6 fav: t(16;16)(p13.1;q22) -> favorable",
        "46,XY,t(16;16)(p13.1;q22)[20]",
        NEG,
        "favorable",
    ),
    (
        "ELN2022 T6 fn: CBF with extra -7 (MK excludes CBF; CBF class-defining) -> favorable",
        "45,XY,t(8;21)(q22;q22),-7[20]",
        NEG,
        "favorable",
    ),
    (
        "ELN2022 T6 fav: NPM1 mutated without FLT3-ITD -> favorable",
        NK,
        NEG.replace("NPM1-", "NPM1+"),
        "favorable",
    ),
    (
        "ELN2022 T6 fav: NPM1 mutated with FLT3-TKD only (not ITD) -> favorable",
        NK,
        "NPM1+ FLT3+TKD",
        "favorable",
    ),
    (
        "ELN2022 T6 int: NPM1 mutated with FLT3-ITD -> intermediate",
        NK,
        "NPM1+ FLT3+ITD",
        "intermediate",
    ),
    (
        "ELN2022 T6 int: NPM1 wild type with FLT3-ITD -> intermediate",
        NK,
        "NPM1- FLT3+itd",
        "intermediate",
    ),
    (
        "ELN2022 T6 fn: NPM1 mut + adverse cytogenetics (-7) -> adverse",
        "45,XX,-7[12]/46,XX[8]",
        "NPM1+ FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 fn: NPM1 mut + complex karyotype -> adverse",
        "47,XY,t(1;7)(p36;q22),del(9)(q13q22),+mar[20]",
        "NPM1+ FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 fav: bZIP in-frame CEBPA -> favorable",
        NK,
        "NPM1- FLT3- CEBPA+bZIP_in-frame",
        "favorable",
    ),
    (
        "ELN2022 T6 fav: bZIP inframe CEBPA with FLT3-ITD -> favorable",
        NK,
        "NPM1- FLT3+ITD CEBPA+bZIP_inframe",
        "favorable",
    ),
    (
        "ELN2022 T6: CEBPA non-bZIP (TAD frameshift) not favorable -> intermediate",
        NK,
        "NPM1- FLT3- CEBPA+TAD_frameshift",
        "intermediate",
    ),
    (
        "ELN2022 T6 int: t(9;11)(p21.3;q23.3) -> intermediate",
        "46,XX,t(9;11)(p21.3;q23.3)[20]",
        "NPM1- FLT3-",
        "intermediate",
    ),
    (
        "ELN2022 T6 fn: t(9;11) precedes concurrent adverse gene (RUNX1) -> intermediate",
        "46,XX,t(9;11)(p22;q23)[20]",
        "NPM1- FLT3- RUNX1+",
        "intermediate",
    ),
    (
        "ELN2022 T6 adv: t(6;9)(p23.3;q34.1) -> adverse",
        "46,XY,t(6;9)(p23;q34.1)[20]",
        "NPM1- FLT3+ITD",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: t(v;11q23.3) KMT2A-r t(6;11)(q27;q23) -> adverse",
        "46,XX,t(6;11)(q27;q23.3)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: t(9;22)(q34.1;q11.2) with +der(22) sideline -> adverse",
        "46,XY,t(9;22)(q34;q11.2)[5]/47,idem,+der(22)t(9;22)(q34;q11.2)[15]",
        "",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: t(8;16)(p11.2;p13.3) -> adverse",
        "46,XX,t(8;16)(p11.2;p13.3)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: inv(3)(q21.3q26.2) -> adverse",
        "46,XY,inv(3)(q21.3q26.2)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: t(3;3)(q21.3;q26.2) -> adverse",
        "46,XY,t(3;3)(q21.3;q26.2)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: t(3q26.2;v) MECOM-r t(3;21)(q26.2;q22) -> adverse",
        "46,XY,t(3;21)(q26.2;q22)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    ("ELN2022 T6 adv: -5 -> adverse", "45,XY,-5[20]", "NPM1- FLT3-", "adverse"),
    (
        "ELN2022 T6 adv: del(5q) (del(5)(q13q33)) -> adverse",
        "46,XY,del(5)(q13q33)[10]/46,XY[10]",
        "NPM1- FLT3-",
        "adverse",
    ),
    ("ELN2022 T6 adv: -7 -> adverse", "45,XY,-7[20]", "NPM1- FLT3-", "adverse"),
    ("ELN2022 T6 adv: -17 -> adverse", "45,XY,-17[20]", "NPM1- FLT3-", "adverse"),
    (
        "ELN2022 T6 adv: abn(17p) i(17)(q10) -> adverse",
        "46,XY,i(17)(q10)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: complex karyotype (>= 3 unrelated) -> adverse",
        "48,XY,+8,+13,t(1;3)(p36;q21)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 fn: hyperdiploid 3 trisomies, no structural -> not complex -> intermediate",
        "49,XY,+8,+13,+21[20]",
        "NPM1- FLT3-",
        "intermediate",
    ),
    (
        "ELN2022 T6 adv: monosomal karyotype (two autosomal monosomies -9,-13) -> adverse",
        "44,XY,-9,-13[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 T6 adv: monosomal karyotype (-13 + structural) -> adverse",
        "45,XX,-13,t(1;3)(p36;q21)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    ("ELN2022 T6 adv: mutated ASXL1 (MR gene) -> adverse", NK, "NPM1- FLT3- ASXL1+", "adverse"),
    (
        "ELN2022 T6 fn: MR gene (SRSF2) with NPM1 mut w/o ITD (favorable subtype) -> favorable",
        NK,
        "NPM1+ FLT3- SRSF2+",
        "favorable",
    ),
    (
        "ELN2022 T6 fn: MR gene (BCOR) with bZIP CEBPA (favorable subtype) -> favorable",
        NK,
        "NPM1- FLT3- BCOR+ CEBPA+bZIP_in-frame",
        "favorable",
    ),
    (
        "ELN2022 T6: NPM1 mut + FLT3-ITD + MR gene (not a favorable subtype) -> adverse",
        NK,
        "NPM1+ FLT3+ITD STAG2+",
        "adverse",
    ),
    ("ELN2022 T6 adv: TP53 VAF 25% -> adverse", NK, "NPM1- FLT3- TP53+0.25", "adverse"),
    (
        "ELN2022 T6 fn: TP53 VAF 5% (< 10%) not adverse -> intermediate",
        NK,
        "NPM1- FLT3- TP53+0.05",
        "intermediate",
    ),
    ("ELN2022 T6 fn: TP53 at exactly 10% -> adverse", NK, "NPM1- FLT3- TP53+0.10", "adverse"),
    ("ELN2022 choice: TP53 detected, VAF missing -> adverse", NK, "NPM1- FLT3- TP53+", "adverse"),
    (
        "ELN2022 T6: TP53 >= 10% with NPM1 mut (exemption is for MR genes only) -> adverse",
        NK,
        "NPM1+ FLT3- TP53+0.4",
        "adverse",
    ),
    (
        "ELN2022 T6 int: normal karyotype, NPM1 wt, FLT3-ITD neg -> intermediate",
        NK,
        NEG,
        "intermediate",
    ),
    (
        "ELN2022 T6 int: +8 alone (not classified) -> intermediate",
        "47,XY,+8[20]",
        "NPM1- FLT3-",
        "intermediate",
    ),
    ("ELN2022 T6 int: -Y alone -> intermediate", "45,X,-Y[20]", "NPM1- FLT3-", "intermediate"),
    (
        "ELN2022 T6: del(7q) is not -7 -> intermediate",
        "46,XX,del(7)(q22)[20]",
        "NPM1- FLT3-",
        "intermediate",
    ),
    ("ELN2022 spec: no karyotype and no mutation -> unknown", None, "", "unknown"),
    (
        "ELN2022 spec: no karyotype, NPM1 mut w/o ITD (class-defining) -> favorable",
        None,
        "NPM1+ FLT3-",
        "favorable",
    ),
    (
        "ELN2022 spec: no karyotype, FLT3-ITD only (not class-defining) -> unknown",
        None,
        "NPM1- FLT3+ITD",
        "unknown",
    ),
    (
        "ELN2022 spec: no karyotype, RUNX1 mut (class-defining MR gene) -> adverse",
        "",
        "NPM1- FLT3- RUNX1+",
        "adverse",
    ),
    ("ELN2022 spec: no karyotype, TP53 30% -> adverse", None, "TP53+0.3", "adverse"),
    ("ELN2022 info: normal karyotype, NPM1 not tested -> unknown", NK, "FLT3-", "unknown"),
    (
        "ELN2022 info: normal karyotype, NPM1 wt, FLT3 untested -> intermediate",
        NK,
        "NPM1-",
        "intermediate",
    ),
    ("ELN2022 info: NPM1 mut, FLT3 not tested -> unknown", NK, "NPM1+", "unknown"),
    (
        "ELN2022 info: NPM1 mut, FLT3 detected with no variant text -> unknown",
        NK,
        "NPM1+ FLT3+",
        "unknown",
    ),
    ("ELN2022 info: -7, nothing tested -> adverse", "45,XY,-7[20]", "", "adverse"),
    (
        "ELN2022 info: CEBPA detected, variant unspecified -> unknown",
        NK,
        "NPM1- FLT3- CEBPA+",
        "unknown",
    ),
    (
        "ELN2022 info: detected missing counts as not tested (NPM1?) -> unknown",
        NK,
        "NPM1? FLT3-",
        "unknown",
    ),
    (
        "ELN2022 ISCN: unparsed karyotype, no class-defining mutation -> unknown",
        "karyotype sent to lab",
        "NPM1- FLT3-",
        "unknown",
    ),
    (
        "ELN2022 ISCN: partly unparsed karyotype, -7 recognised -> adverse",
        "45,XY,-7,foo(3)[20]",
        "NPM1- FLT3-",
        "adverse",
    ),
    (
        "ELN2022 ISCN: +21c constitutional ignored; NPM1 mut -> favorable",
        "47,XY,+21c[20]",
        "NPM1+ FLT3-",
        "favorable",
    ),
    (
        "ELN2022 ISCN: constitutional t(11;22)(q23;q11.2)c is not KMT2A-r -> intermediate",
        "46,XY,t(11;22)(q23;q11.2)c[20]",
        "NPM1- FLT3-",
        "intermediate",
    ),
    (
        "ELN2022 ISCN: questionable ?del(5)(q13q33) decides the class -> unknown (no guess)",
        "46,XX,?del(5)(q13q33)[20]",
        "NPM1- FLT3-",
        "unknown",
    ),
    (
        "ELN2022 ISCN: questionable ?del(5)(q13q33) with TP53 30% (adverse either way)",
        "46,XX,?del(5)(q13q33)[20]",
        "NPM1- FLT3- TP53+0.3",
        "adverse",
    ),
]


def test_case_count_and_unique_ids() -> None:
    assert len(ELN2022_CASES) >= 25
    assert len(set(case_ids(ELN2022_CASES))) == len(ELN2022_CASES)


@pytest.mark.parametrize(
    ("name", "karyotype", "muts", "expected"), ELN2022_CASES, ids=case_ids(ELN2022_CASES)
)
def test_eln2022_case(name: str, karyotype: str | None, muts: str, expected: str) -> None:
    patients, mutations = frames(karyotype, muts)
    out = eln2022_risk(patients, mutations)
    assert list(out.columns) == list(ELN2022_COLUMNS)
    assert out["eln2022"].iloc[0] == expected, out["eln2022_reason"].iloc[0]
    cat, reason = eln2022_one(karyotype, gene_findings_one(mutation_rows(muts)))
    assert (cat, reason) == (out["eln2022"].iloc[0], out["eln2022_reason"].iloc[0])
    if expected != "unknown":
        assert "ELN 2022" in reason and f"-> {expected}" in reason


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
