"""Table-driven ELN 2022 / ELN 2024 cases; each id names the guideline clause.

ELN 2022: Döhner et al., Blood 2022;140:1345-77, Table 6. ELN 2024: Döhner et al., Blood
2024;144:2169-73, Table 1. Every case is checked on the vectorised function and on the
row-by-row reference implementation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinical_rules.eln import (
    ELN2022_COLUMNS,
    ELN2024_COLUMNS,
    eln2022_one,
    eln2022_risk,
    eln2024_one,
    eln2024_risk,
    gene_findings_one,
)


def mutation_rows(spec: str, centre: str = "C1", patient: str = "p1") -> list[dict]:
    """``"NPM1+ FLT3+ITD TP53+0.25 CEBPA+bZIP_in-frame KRAS- RUNX1?"`` -> mutation rows.

    ``+`` detected, ``-`` tested negative, ``?`` row with detected missing. After the sign: a
    number is the VAF, any other text the variant (``_`` stands for a space).
    """
    rows = []
    for tok in spec.split():
        i = next(i for i, ch in enumerate(tok) if ch in "+-?")
        gene, sign, rest = tok[:i], tok[i], tok[i + 1 :].replace("_", " ")
        detected = {"+": True, "-": False, "?": pd.NA}[sign]
        vaf, variant = np.nan, None
        if rest:
            try:
                vaf = float(rest)
            except ValueError:
                variant = rest
        rows.append(
            {
                "centre_id": centre,
                "patient_id": patient,
                "gene": gene,
                "detected": detected,
                "variant": variant,
                "vaf": vaf,
            }
        )
    return rows


def frames(karyotype: str | None, spec: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-patient staging frames (patients, mutations)."""
    patients = pd.DataFrame({"centre_id": ["C1"], "patient_id": ["p1"], "karyotype": [karyotype]})
    return patients, mutations_frame(mutation_rows(spec))


def mutations_frame(rows: list[dict]) -> pd.DataFrame:
    """Typed mutations frame (nullable boolean ``detected``)."""
    cols = ["centre_id", "patient_id", "gene", "detected", "variant", "vaf"]
    df = pd.DataFrame(rows, columns=cols)
    df["detected"] = df["detected"].astype("boolean")
    df["vaf"] = df["vaf"].astype(float)
    return df


NK = "46,XY[20]"
NEG = "NPM1- FLT3- CEBPA- TP53- NRAS- KRAS-"

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


def _ids(cases: list[tuple]) -> list[str]:
    return [c[0] for c in cases]


def test_case_counts() -> None:
    assert len(ELN2022_CASES) + len(ELN2024_CASES) >= 40
    assert len(ELN2024_CASES) >= 15
    assert len(set(_ids(ELN2022_CASES + ELN2024_CASES))) == len(ELN2022_CASES + ELN2024_CASES)


@pytest.mark.parametrize(
    ("name", "karyotype", "muts", "expected"), ELN2022_CASES, ids=_ids(ELN2022_CASES)
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


@pytest.mark.parametrize(
    ("name", "karyotype", "muts", "expected"), ELN2024_CASES, ids=_ids(ELN2024_CASES)
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
