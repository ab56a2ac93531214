"""ISCN 2020 karyotype parser: notation examples, recognisers, and hypothesis properties.

Notation: ISCN 2020 (McGowan-Jordan et al., Karger 2020) ch. 4, 8, 11; lesion definitions:
Döhner et al., Blood 2022;140:1345-77, Table 6 footnotes.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.iscn import (
    FLAG_COLUMNS,
    Karyotype,
    _parse_cached,
    parse_karyotype,
    parse_karyotypes,
)


def acquired(text: str) -> list[str]:
    return [a.text for a in parse_karyotype(text).acquired_abnormalities]


# --- notation -------------------------------------------------------------------------


def test_normal_karyotype_with_cell_count() -> None:
    k = parse_karyotype("46,XX[20]")
    assert k.is_normal and k.status == "done" and not k.unparsed
    assert (k.modal, k.sex_chromosomes, k.cells) == (46, "XX", 20)
    assert k.clones[0].cells == 20 and not k.clones[0].composite


@pytest.mark.parametrize("text", [None, "", "   ", float("nan"), pd.NA, "not done", "ND", "failed"])
def test_not_done(text: object) -> None:
    k = parse_karyotype(text)  # type: ignore[arg-type]
    assert k.not_done and k.status == "not_done" and not k.is_normal


def test_clones_split_by_slash_with_cell_counts() -> None:
    k = parse_karyotype("45,XX,-7[12]/46,XX[8]")
    assert [c.cells for c in k.clones] == [12, 8]
    assert [c.modal for c in k.clones] == [45, 46]
    assert k.clones[1].is_normal and acquired("45,XX,-7[12]/46,XX[8]") == ["-7"]
    assert k.cells == 20


def test_idem_sl_sdl_inherit_abnormalities() -> None:
    k = parse_karyotype("46,XY,t(3;3)(q21;q26)[10]/47,sl,+8[5]/48,sdl,+13[3]/47,idem,+10[2]")
    texts = [[a.text for a in c.abnormalities] for c in k.clones]
    assert texts[1] == ["t(3;3)(q21;q26)", "+8"]
    assert texts[2] == ["t(3;3)(q21;q26)", "+8", "+13"]
    assert texts[3] == ["t(3;3)(q21;q26)", "+10"]
    assert k.clones[2].sex_chromosomes == "XY"  # inherited
    assert k.n_abnormalities == 4  # deduplicated over clones


def test_numbered_sideline_sdl1() -> None:
    k = parse_karyotype("46,XX,del(5)(q13q33)[5]/47,sl,+8[5]/48,sdl1,+9[5]")
    assert [a.text for a in k.clones[2].abnormalities] == ["del(5)(q13q33)", "+8", "+9"]


def test_numerical_gains_losses_sex_chromosomes_and_markers() -> None:
    k = parse_karyotype("47,X,-Y,+8,+8,-7,+2mar,+r[20]")
    assert acquired("47,X,-Y,+8,+8,-7,+2mar,+r[20]") == ["-Y", "+8", "-7", "+mar", "+r"]
    assert k.n_abnormalities == 1 + 1 + 1 + 2 + 1  # polysomy once, +2mar twice
    assert k.autosomal_monosomies == ("7",)
    assert [a.kind for a in k.acquired_abnormalities] == [
        "loss",
        "gain",
        "loss",
        "marker",
        "marker",
    ]


def test_translocation_breakpoints() -> None:
    a = parse_karyotype("46,XY,t(8;21)(q22;q22.1)[20]").acquired_abnormalities[0]
    assert a.kind == "t" and a.chromosomes == ("8", "21")
    assert a.breakpoints == ("8q22", "21q22.1")


def test_inversion_and_interstitial_deletion_breakpoints() -> None:
    inv = parse_karyotype("46,XX,inv(16)(p13.1q22)").acquired_abnormalities[0]
    assert inv.breakpoints == ("16p13.1", "16q22")
    d = parse_karyotype("46,XX,del(5)(q13q33)").acquired_abnormalities[0]
    assert d.kind == "del" and d.breakpoints == ("5q13", "5q33")


def test_short_arm_forms() -> None:
    assert parse_karyotype("46,XY,del(5q)[20]").has("minus_5_del_5q")
    assert parse_karyotype("46,XY,i(17q)[20]").has("minus_17_abn_17p")
    assert parse_karyotype("46,XY,i(17)(q10)[20]").has("minus_17_abn_17p")


def test_derivative_add_dup_ins_three_way() -> None:
    k = parse_karyotype(
        "46,XY,der(7)t(7;12)(q22;p13),add(17)(p13),dup(1)(q21q32),ins(10;11)(p12;q23q13),"
        "t(8;13;21)(q22;q14;q22)[20]"
    )
    kinds = [a.kind for a in k.acquired_abnormalities]
    assert kinds == ["der", "add", "dup", "ins", "t"]
    der = k.acquired_abnormalities[0]
    assert [s.kind for s in der.segments] == ["der", "t"]
    assert der.breakpoints == ("7q22", "12p13")
    assert k.has("kmt2a_r")  # ins(10;11) with 11q23
    assert k.has("t_8_21")  # 3-way variant t(8;13;21)
    assert k.has("minus_17_abn_17p")  # add(17)(p13)


def test_constitutional_markers_are_not_acquired() -> None:
    k = parse_karyotype("47,XY,+21c[20]")
    assert k.is_normal and [a.text for a in k.constitutional_abnormalities] == ["+21"]
    k = parse_karyotype("48,XXYc,+8,+21c[20]")
    assert acquired("48,XXYc,+8,+21c[20]") == ["+8"] and k.sex_chromosomes == "XXY"
    k = parse_karyotype("46,XY,t(11;22)(q23;q11.2)c[20]")
    assert k.is_normal and not k.has("kmt2a_r")
    assert parse_karyotype("46,XY,inv(9)(p12q13)[20]").is_normal  # heteromorphism


def test_uncertainty_question_mark() -> None:
    k = parse_karyotype("46,XX,?del(5)(q13q33)[20]")
    a = k.acquired_abnormalities[0]
    assert a.uncertain and a.text == "?del(5)(q13q33)"
    assert not k.has("minus_5_del_5q") and k.n_abnormalities == 1
    k = parse_karyotype("46,XY,t(11;?)(q23;?)[20]")
    assert k.has("kmt2a_r") and not k.acquired_abnormalities[0].uncertain


def test_composite_karyotype_cp_and_modal_range() -> None:
    k = parse_karyotype("45~48,XY,-5,+8,+mar[cp10]")
    assert k.clones[0].composite and k.clones[0].cells == 10
    assert k.clones[0].modal_range == (45, 48)
    assert k.is_complex and k.is_monosomal and k.has("minus_5_del_5q")


def test_unparsed_tokens_are_reported_not_guessed() -> None:
    k = parse_karyotype("46,XY,foo(3),t(8;21)(q22;q22)[20]")
    assert k.unparsed == ("foo(3)",) and k.status == "partial"
    assert k.has("t_8_21") and not k.is_normal
    assert parse_karyotype("normal female karyotype").unparsed
    # chimera (ISCN 2020 ch. 11): donor cells after // are read but never counted
    chimera = parse_karyotype("chi 46,XX[15]//47,XY,+8[5]")
    assert chimera.is_normal and chimera.donor_clones and chimera.prefix == "chi"
    assert parse_karyotype("46,XX[15]//foo[5]").unparsed == ("//foo[5]",)


def test_whitespace_dashes_and_case_tolerated() -> None:
    assert parse_karyotype(" 46, xy, t(8;21)(q22;q22) [20] ").has("t_8_21")
    assert parse_karyotype("45,XY,\u22127[20]").has("minus_7")  # unicode minus


# --- recognisers ----------------------------------------------------------------------

RECOGNISERS = [
    ("46,XY,t(8;21)(q22;q22.1)[20]", "t_8_21"),
    ("46,XX,inv(16)(p13.1q22)[20]", "inv_16"),
    ("46,XX,t(16;16)(p13.1;q22)[20]", "inv_16"),
    ("46,XX,t(9;11)(p21.3;q23.3)[20]", "t_9_11"),
    ("46,XX,t(9;11)(p22;q23)[20]", "t_9_11"),
    ("46,XY,t(6;9)(p23;q34.1)[20]", "t_6_9"),
    ("46,XY,t(11;19)(q23;p13.1)[20]", "kmt2a_r"),
    ("46,XY,t(9;22)(q34.1;q11.2)[20]", "t_9_22"),
    ("46,XY,der(22)t(9;22)(q34;q11)[20]", "t_9_22"),
    ("46,XY,t(8;16)(p11.2;p13.3)[20]", "t_8_16"),
    ("46,XY,inv(3)(q21.3q26.2)[20]", "inv_3"),
    ("46,XY,t(3;3)(q21.3;q26.2)[20]", "inv_3"),
    ("46,XY,t(3;12)(q26.2;p13)[20]", "mecom_r"),
    ("45,XY,-5[20]", "minus_5_del_5q"),
    ("46,XY,der(5)t(5;17)(q11;p11)[20]", "minus_5_del_5q"),
    ("45,XY,der(5;17)(p10;q10)[20]", "minus_5_del_5q"),  # whole-arm: 5q lost
    ("45,XY,der(5;17)(p10;q10)[20]", "minus_17_abn_17p"),  # whole-arm: 17p lost
    ("45,XX,dic(5;17)(q11;p11)[20]", "minus_5_del_5q"),
    ("46,XY,add(5)(q31)[20]", "minus_5_del_5q"),
    ("45,XY,-7[20]", "minus_7"),
    ("45,XY,-17[20]", "minus_17_abn_17p"),
    ("46,XY,del(17)(p11.2)[20]", "minus_17_abn_17p"),
    ("47,XY,t(1;3)(p36;q21),del(9)(q13q22),+mar[20]", "complex_karyotype"),
    ("44,XY,-9,-13[20]", "monosomal_karyotype"),
    ("45,XY,-13,t(1;3)(p36;q21)[20]", "monosomal_karyotype"),
]


@pytest.mark.parametrize(("text", "lesion"), RECOGNISERS)
def test_recognisers(text: str, lesion: str) -> None:
    assert parse_karyotype(text).has(lesion)


@pytest.mark.parametrize(
    ("text", "lesion"),
    [
        ("46,XX,t(9;11)(p21.3;q23.3)[20]", "kmt2a_r"),  # t(9;11) is not "other KMT2A"
        ("46,XX,add(11)(q23)[20]", "kmt2a_r"),  # unknown partner: not assumed KMT2A
        ("46,XX,del(7)(q22)[20]", "minus_7"),  # del(7q) is not -7
        ("46,XY,der(1;7)(q10;p10)[20]", "minus_7"),  # loses 7q only
        ("46,XY,t(5;11)(q31;p15)[20]", "minus_5_del_5q"),  # balanced: no 5q loss
        ("46,XY,inv(3)(q21q26)[20]", "mecom_r"),  # reported as inv(3), not twice
        ("49,XY,+8,+13,+21[20]", "complex_karyotype"),  # hyperdiploid, no structural
        ("47,XY,t(8;21)(q22;q22),+8,del(9)(q13q22),+mar[20]", "complex_karyotype"),  # CBF
        ("45,XY,t(8;21)(q22;q22),-7[20]", "monosomal_karyotype"),  # CBF excluded
        ("45,X,-Y,t(1;3)(p36;q21)[20]", "monosomal_karyotype"),  # -Y is not autosomal
        ("47,XY,+der(17)t(17;22)(p11;q11)[20]", "minus_17_abn_17p"),  # gain of a derivative
    ],
)
def test_recognisers_negative(text: str, lesion: str) -> None:
    assert not parse_karyotype(text).has(lesion)


def test_complex_counts_unrelated_clones() -> None:
    k = parse_karyotype("46,XY,t(1;3)(p36;q21)[5]/46,XY,del(9)(q13q22)[5]/47,XY,+11[5]")
    assert k.n_abnormalities == 3 and k.is_complex


# --- vectorised -----------------------------------------------------------------------


def test_parse_karyotypes_matches_scalar_and_keeps_index() -> None:
    texts = ["46,XY[20]", None, "45,XX,-7[20]", "46,XY[20]", "junk", "45,XX,-7[20]", ""]
    s = pd.Series(texts, index=[5, 4, 3, 2, 1, 0, 9])
    df = parse_karyotypes(s)
    assert list(df.columns) == list(FLAG_COLUMNS) and list(df.index) == list(s.index)
    for i, t in enumerate(texts):
        k = parse_karyotype(t)
        assert df["karyotype_status"].iloc[i] == k.status
        assert df["minus_7"].iloc[i] == k.has("minus_7")
        assert df["karyotype_normal"].iloc[i] == k.is_normal
    assert df["karyotype_unparsed"].tolist()[4] == "junk"


# --- properties -----------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "46",
        "45",
        "47",
        "45~48",
        "92<4n>",
        "XX",
        "XY",
        "X",
        "XXYc",
        "+8",
        "-7",
        "-Y",
        "+21c",
        "+mar",
        "+2mar",
        "1~3dmin",
        "t(8;21)(q22;q22.1)",
        "inv(16)(p13.1q22)",
        "del(5)(q13q33)",
        "del(5q)",
        "i(17q)",
        "der(7)t(7;11)(p15;p15)",
        "add(11)(q23)",
        "dup(1)(q21q32)",
        "ins(10;11)(p12;q23q13)",
        "t(3;5;11)(q26;q31;q23)",
        "?del(7)(q22)",
        "t(11;?)(q23;?)",
        "idem",
        "sl",
        "sdl",
        "sdl2",
        "idemx2",
        "[20]",
        "[cp10]",
        "/",
        "//",
        "c",
        "?",
        "(",
        ")",
        "[",
        "]",
        ";",
        "~",
        "+",
        "-",
        "der(",
        "t(8;21)(q22",
        "del(5)(q13q33q35)",
        "r(7)(p22q36)",
    ]
)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_never_raises_on_arbitrary_text(text: str) -> None:
    k = parse_karyotype(text)
    assert isinstance(k, Karyotype)
    _ = (k.lesions, k.is_normal, k.is_complex, k.is_monosomal, k.n_abnormalities, k.status)


@given(st.lists(TOKENS, max_size=12), st.sampled_from([",", "", ",,", "/"]))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_iscn_like_compositions(tokens: list[str], sep: str) -> None:
    text = sep.join(tokens)
    k = parse_karyotype(text)
    _ = (k.lesions, k.adverse_cytogenetics, k.acquired_abnormalities)
    # everything is either parsed or reported
    assert k.not_done or k.clones or k.unparsed


@given(st.lists(TOKENS, max_size=10).map(",".join))
@settings(max_examples=200, deadline=None)
def test_parse_is_deterministic(text: str) -> None:
    a = _parse_cached.__wrapped__(text)  # bypass the cache: two independent parses
    b = _parse_cached.__wrapped__(text)
    assert a == b and a.lesions == b.lesions and a == parse_karyotype(text)
    assert (
        parse_karyotypes(pd.Series([text, text]))
        .iloc[0]
        .equals(parse_karyotypes(pd.Series([text])).iloc[0])
    )
