"""ISCN 2020 grammar as laboratories write it: band editions, in-situ suffixes, prefixes,
uncertainty, the clone-size rule, and hypothesis properties (round trip without loss, never
raises).

ISCN 2020 (McGowan-Jordan et al., Karger 2020) ch. 4, 6, 8, 11, 13; lesions: Döhner et al.,
Blood 2022;140:1345-77, Table 6; spec/clinical-rules.md "What laboratories actually write".
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.iscn import parse_karyotype

# --- current band names: recognised by chromosomes and arm regions --------------------

BAND_EDITIONS = [
    ("t(8;21) ISCN 1995 bands", "46,XY,t(8;21)(q22;q22)[20]", "t_8_21"),
    ("t(8;21) ELN 2022 bands", "46,XY,t(8;21)(q22;q22.1)[20]", "t_8_21"),
    ("t(8;21) GRCh38 bands (RUNX1T1 8q21.3)", "46,XY,t(8;21)(q21.3;q22.12)[20]", "t_8_21"),
    ("inv(16) old bands", "46,XX,inv(16)(p13q22)[20]", "inv_16"),
    ("inv(16) current bands", "46,XX,inv(16)(p13.1q22.1)[20]", "inv_16"),
    ("inv(16) GRCh38 sub-band", "46,XX,inv(16)(p13.11q22.1)[20]", "inv_16"),
    ("t(16;16) current", "46,XX,t(16;16)(p13.1;q22.1)[20]", "inv_16"),
    ("t(9;11) old (MLLT3 9p22)", "46,XX,t(9;11)(p22;q23)[20]", "t_9_11"),
    ("t(9;11) current (9p21.3;11q23.3)", "46,XX,t(9;11)(p21.3;q23.3)[20]", "t_9_11"),
    ("t(6;9) old (DEK 6p23)", "46,XY,t(6;9)(p23;q34)[20]", "t_6_9"),
    ("t(6;9) current (DEK 6p22.3)", "46,XY,t(6;9)(p22.3;q34.1)[20]", "t_6_9"),
    ("t(9;22) current", "46,XY,t(9;22)(q34.12;q11.23)[20]", "t_9_22"),
    ("t(15;17) old (PML 15q22)", "46,XX,t(15;17)(q22;q21)[20]", "t_15_17"),
    ("t(15;17) current (15q24.1;17q21.2)", "46,XX,t(15;17)(q24.1;q21.2)[20]", "t_15_17"),
    ("t(15;17) old 17q12", "46,XX,t(15;17)(q22;q12)[20]", "t_15_17"),
    ("inv(3) current", "46,XY,inv(3)(q21.3q26.2)[20]", "inv_3"),
    ("t(3;3) old", "46,XY,t(3;3)(q21;q26)[20]", "inv_3"),
    ("MECOM t(3;21) current", "46,XY,t(3;21)(q26.2;q22.12)[20]", "mecom_r"),
    ("KMT2A t(11;19) current", "46,XY,t(11;19)(q23.3;p13.3)[20]", "kmt2a_r"),
    ("KMT2A t(6;11) old", "46,XY,t(6;11)(q27;q23)[20]", "kmt2a_r"),
]


@pytest.mark.parametrize(("name", "text", "lesion"), BAND_EDITIONS, ids=[b[0] for b in BAND_EDITIONS])
def test_recurrent_rearrangements_in_every_band_edition(name: str, text: str, lesion: str) -> None:
    assert parse_karyotype(text).has(lesion), name


@pytest.mark.parametrize("text", [
    "46,XY,t(8;21)(q24;q22)[20]",   # 8q24 (MYC region) is not RUNX1T1
    "46,XY,t(3;3)(q26;q26)[20]",    # t(3;3) needs GATA2 (3q21) and MECOM (3q26)
    "46,XY,t(9;11)(q34;q23)[20]",   # 9q34 is not MLLT3
    "46,XY,del(16)(q22)[20]",       # a deletion is not inv(16)
])
def test_lookalikes_are_not_the_rearrangement(text: str) -> None:
    k = parse_karyotype(text)
    assert not k.lesions & {"t_8_21", "inv_3", "t_9_11", "inv_16"}


# --- in situ suffixes (ISCN 2020 ch. 13) ----------------------------------------------

def test_normal_karyotype_with_nuc_ish_suffix_stays_normal() -> None:
    k = parse_karyotype("46,XY[20].nuc ish(RUNX1,RUNX1T1)x2[200]")
    assert k.status == "done" and k.is_normal and not k.lesions and not k.notes
    assert k.fish[0].method == "nuc ish" and k.fish[0].normal


@pytest.mark.parametrize(("text", "lesion"), [
    ("46,XY[20].nuc ish(RUNX1T1,RUNX1)x3(RUNX1T1 con RUNX1x2)[180/200]", "t_8_21"),
    ("46,XY[20].nuc ish(CBFBx2)(5'CBFB sep 3'CBFBx1)[160/200]", "inv_16"),
    ("46,XY[20].nuc ish(ABL1,BCR)x3(ABL1 con BCRx2)[180/200]", "t_9_22"),
    ("46,XY[20].nuc ish(PML,RARA)x3(PML con RARAx2)[150/200]", "t_15_17"),
    ("46,XY[20].nuc ish(MECOMx2)(5'MECOM sep 3'MECOMx1)[120/200]", "mecom_r"),
    ("46,XY[20].nuc ish(DEK,NUP214)x3(DEK con NUP214x2)[100/200]", "t_6_9"),
    ("46,XY[20] nuc ish 8q22(RUNX1T1x3),21q22(RUNX1x3)(RUNX1T1 con RUNX1x2)[170/200]", "t_8_21"),
    ("46,XY[20]; FISH: RUNX1::RUNX1T1 positive", "t_8_21"),
    ("46,XY,t(8;21)(q22;q22)[20].ish t(8;21)(q22;q22)(RUNX1T1+,RUNX1+)", "t_8_21"),
])
def test_fish_showing_a_class_defining_fusion_counts(text: str, lesion: str) -> None:
    k = parse_karyotype(text)
    assert k.status == "done" and k.has(lesion)


@pytest.mark.parametrize(("text", "lesions"), [
    ("46,XY[20]. FISH: negative for KMT2A rearrangement", set()),
    ("46,XY[20] FISH: no KMT2A rearrangement", set()),
    ("46,XY[20] FISH RUNX1::RUNX1T1 not detected", set()),
    ("46,XY[20] FISH: MECOM rearrangement not detected", set()),
    ("46,XY[20], FISH (RUNX1T1/RUNX1): positive", {"t_8_21"}),
    ("46,XY[20] FISH: CBFB rearranged", {"inv_16"}),
    ("46,XY[20] FISH: KMT2A rearranged, RUNX1 negative", {"kmt2a_r"}),
])
def test_fish_in_words(text: str, lesions: set) -> None:
    k = parse_karyotype(text)
    assert k.is_normal and set(k.lesions) == lesions and not any("not read" in n for n in k.notes)


def test_kmt2a_split_without_partner_is_ambiguous() -> None:
    k = parse_karyotype("46,XX[20].nuc ish(KMT2Ax2)(5'KMT2A sep 3'KMT2Ax1)[150/200]")
    assert k.has("kmt2a_r") and "t_9_11" in k.alternative_lesions
    named = parse_karyotype("46,XX,t(9;11)(p22;q23)[20].nuc ish(KMT2Ax2)(5'KMT2A sep "
                            "3'KMT2Ax1)[150/200]")
    assert named.lesions == named.alternative_lesions == frozenset({"t_9_11"})


@pytest.mark.parametrize("text", [
    "46,XY[20].nuc ish(EGR1x1,D5S23x2)[100/200]",
    "46,XY[20].nuc ish(D7Z1x1)[80/200]",
    "46,XY[20].nuc ish(TP53x1)[60/200]",
    "46,XY[20].arr(1-22,X)x2",
    "46,XY[20].nuc ish(unreadable stuff)",
])
def test_other_fish_findings_are_listed_not_used(text: str) -> None:
    k = parse_karyotype(text)
    assert k.is_normal and not k.lesions and k.notes


def test_fish_only_without_karyotype() -> None:
    k = parse_karyotype("nuc ish(RUNX1T1,RUNX1)x3(RUNX1T1 con RUNX1x2)[180/200]")
    assert k.status == "not_done" and k.has("t_8_21")


# --- prefixes, uncertainty, clone size -------------------------------------------------

def test_mos_and_chi_prefixes() -> None:
    k = parse_karyotype("mos 45,X[10]/46,XX[10]")
    assert k.prefix == "mos" and k.status == "done" and k.is_normal
    k = parse_karyotype("chi 46,XX[12]//46,XY[8]")
    assert k.prefix == "chi" and k.donor_clones and k.is_normal


@pytest.mark.parametrize(("text", "alternative"), [
    ("47,XY,+?13[20]", set()),
    ("46,XX,?del(5)(q13q33)[20]", {"minus_5_del_5q"}),
    ("45,XY,-?7[20]", {"minus_7"}),
    ("46,XY,?t(9;22)(q34;q11.2)[20]", {"t_9_22"}),
])
def test_questioned_abnormalities_are_the_alternative_reading(text: str, alternative: set) -> None:
    k = parse_karyotype(text)
    assert k.status == "done" and k.n_abnormalities == 1 and k.acquired_abnormalities[0].uncertain
    assert not k.lesions and set(k.alternative_lesions) == alternative


def test_uncertain_breakpoint_intervals() -> None:
    assert parse_karyotype("46,XY,del(5)(q13~q15q33)[20]").has("minus_5_del_5q")
    assert parse_karyotype("46,XY,add(17)(p11.2~p13)[20]").has("minus_17_abn_17p")
    assert parse_karyotype("46,XY,t(11;?)(q23;?)[20]").has("kmt2a_r")


CLONE_SIZE = [
    ("loss in 1 cell is not a clone", "45,XY,-7[1]/46,XY[19]", False),
    ("loss in 2 cells is not a clone", "45,XY,-7[2]/46,XY[18]", False),
    ("loss in 3 cells is a clone", "45,XY,-7[3]/46,XY[17]", True),
    ("gain in 1 cell is not a clone", "47,XY,+8[1]/46,XY[19]", False),
    ("gain in 2 cells is a clone", "47,XY,+8[2]/46,XY[18]", True),
    ("structural in 1 cell is not a clone", "46,XY,del(5)(q13q33)[1]/46,XY[19]", False),
    ("structural in 2 cells is a clone", "46,XY,del(5)(q13q33)[2]/46,XY[18]", True),
    ("stemline change carried in its sideline", "45,XY,-7[1]/46,idem,+8[2]/46,XY[17]", True),
    ("no cell count: as written", "45,XY,-7", True),
    ("composite karyotype: as written", "45,XY,-7[cp1]", True),
]


@pytest.mark.parametrize(("name", "text", "clonal"), CLONE_SIZE, ids=[c[0] for c in CLONE_SIZE])
def test_iscn_clone_size_rule(name: str, text: str, clonal: bool) -> None:
    """ISCN 2020 11.1.1: >= 2 cells with a gain or structural change, >= 3 with a loss."""
    k = parse_karyotype(text)
    first = k.clones[0].own_abnormalities[0].text
    assert (first in {a.text for a in k.acquired_abnormalities}) is clonal, name
    assert (first in k.nonclonal) is (not clonal)


def test_nonclonal_changes_do_not_count_for_complexity() -> None:
    k = parse_karyotype("46,XY,del(9)(q13q22)[8]/47,XY,+8[1]/45,XY,-5[1]/46,XY[10]")
    assert k.n_abnormalities == 1 and not k.is_complex and not k.has("minus_5_del_5q")
    assert "non-clonal +8 (below the ISCN clone size) not counted" in k.notes


# --- properties -----------------------------------------------------------------------

CHROMS = [str(i) for i in range(1, 23)] + ["X", "Y"]
chrom = st.sampled_from(CHROMS)
band = st.builds(lambda arm, r, b, sub: f"{arm}{r}{b}{sub}", st.sampled_from("pq"),
                 st.integers(1, 3), st.integers(1, 6), st.sampled_from(["", ".1", ".2", ".3"]))


@st.composite
def abnormality(draw: st.DrawFn) -> str:
    c1, c2 = draw(chrom), draw(chrom.filter(lambda c: True))
    b1, b2 = draw(band), draw(band)
    forms = [f"+{c1}", f"-{c1}", f"del({c1})({b1}{b2})", f"add({c1})({b1})",
             f"inv({c1})({b1}{b2})", f"i({c1})(q10)", f"dup({c1})({b1}{b2})", "+mar", "+2mar",
             f"r({c1})({b1}{b2})", f"del({c1}{b1[0]})"]
    if c1 != c2:
        forms += [f"t({c1};{c2})({b1};{b2})", f"der({c1})t({c1};{c2})({b1};{b2})",
                  f"ins({c1};{c2})({b1};{b2}{b1})"]
    text = draw(st.sampled_from(forms))
    if draw(st.booleans()) and not text.startswith(("+", "-")):
        text = "?" + text
    if draw(st.integers(0, 9)) == 0 and not text.startswith("?"):
        text += "c"
    return text


@st.composite
def karyotype(draw: st.DrawFn) -> str:
    sex = draw(st.sampled_from(["XX", "XY", "X"]))
    n_clones = draw(st.integers(1, 3))
    clones = []
    for i in range(n_clones):
        abns = draw(st.lists(abnormality(), max_size=5, unique=True))
        head = [str(draw(st.integers(44, 48)))]
        if i and draw(st.booleans()):
            head.append("idem")
        else:
            head.append(sex)
        cells = draw(st.one_of(st.just(""), st.integers(1, 30).map(lambda n: f"[{n}]")))
        clones.append(",".join(head + abns) + cells)
    text = "/".join(clones)
    text += draw(st.sampled_from(["", ".nuc ish(RUNX1,RUNX1T1)x2[200]",
                                  ".nuc ish(KMT2Ax2)(5'KMT2A sep 3'KMT2Ax1)[150/200]"]))
    return draw(st.sampled_from(["", "mos "])) + text


@given(karyotype())
@settings(max_examples=300, deadline=None)
def test_valid_iscn_round_trips_without_loss(text: str) -> None:
    """Every generated valid ISCN string is parsed in full and written back identically."""
    k = parse_karyotype(text)
    assert k.status == "done", k.unparsed
    assert k.to_iscn() == text
    again = parse_karyotype(k.to_iscn())
    assert again.acquired_abnormalities == k.acquired_abnormalities
    assert again.lesions == k.lesions and again.alternative_lesions == k.alternative_lesions


@given(st.text(alphabet=st.sampled_from(list("46,XY[]()/;.:~?+-pqctdelinvmarshuc 0123789"))))
@settings(max_examples=300, deadline=None)
def test_never_raises_on_iscn_alphabet_noise(text: str) -> None:
    """Parsing never raises: what it cannot read it reports (unparsed or notes)."""
    k = parse_karyotype(text)
    _ = (k.lesions, k.alternative_lesions, k.notes, k.to_iscn(), k.status)
    assert k.not_done or k.clones or k.unparsed or k.fish
