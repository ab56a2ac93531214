"""Conditioning regimen text as registries write it: the recognised forms, doses and routes,
and the intensity they give (Bacigalupo et al., BBMT 2009;15:1628 working definitions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.regimen_text import AGENT_ALIASES, NEUTRAL_WORDS, read_regimen_text
from clinical_rules.transplant import classify_conditioning_text

# (case, written regimen, expected intensity; None = open, the reported value is used)
FORMS = [
    ("BuCy2: busulfan 16 mg/kg oral + Cy 120 mg/kg is MAC", "BuCy2", "MAC"),
    ("BuCy4 is MAC", "BuCy4", "MAC"),
    ("Bu/Cy undosed: classic BuCy, MAC", "Bu/Cy", "MAC"),
    ("Bu4Cy: busulfan 4 days is MAC", "Bu4Cy", "MAC"),
    ("Flu + Bu 8 mg/kg oral: <= 8 mg/kg oral is RIC", "Flu + Bu 8 mg/kg oral", "RIC"),
    ("Flu + Bu 10 mg/kg oral: > 8 mg/kg oral is MAC", "Flu + Bu 10 mg/kg oral", "MAC"),
    ("oral 8 mg/kg = IV 6.4 mg/kg: Bu 6.4 mg/kg iv is RIC", "Flu + Bu 6.4 mg/kg iv", "RIC"),
    ("IV 6.5 mg/kg > 6.4: MAC", "Flu + Bu 6.5 mg/kg i.v.", "MAC"),
    ("Bu 8 mg/kg without route: oral RIC, IV MAC -> open", "Flu/Bu 8 mg/kg", None),
    ("Bu 3.2 mg/kg/d x 4 d iv = 12.8 mg/kg IV: MAC",
     "Flu 150 mg/m2 + Bu 3.2 mg/kg/d x 4 d iv + ATG", "MAC"),
    ("Bu 0.8 mg/kg q6h x 16 = 12.8 mg/kg: MAC", "Bu 0.8 mg/kg q6h x 16 + Cy 120 mg/kg", "MAC"),
    ("Bu 3,2 mg/kg x 2 (decimal comma) = 6.4 IV: RIC",
     "FLU 30 mg/m2 x 5 + Bu 3,2 mg/kg x 2 + ATG-F 20 mg/kg", "RIC"),
    ("IV Bu 130 mg/m2 x 2 (= 3.2 mg/kg/day, de Lima 2004): RIC", "Flu/Bu 130 mg/m2 x 2", "RIC"),
    ("IV Bu 130 mg/m2 x 4: MAC", "Flu + Bu 130 mg/m2/d x 4 d", "MAC"),
    ("Bu oral 4 days = 16 mg/kg oral: MAC", "Flu + Bu 4 days oral", "MAC"),
    ("Bu per day without days: open", "Flu + Bu 3.2 mg/kg/d", None),
    ("Bu by target AUC: open", "Bu AUC 90 + Flu", None),
    ("FluBu4: MAC", "FluBu4", "MAC"),
    ("FLU-BU2: RIC", "FLU-BU2", "RIC"),
    ("FB4: MAC", "FB4", "MAC"),
    ("FB2: RIC", "FB2", "RIC"),
    ("Flu/Bu x 2: RIC", "Flu/Bu x 2", "RIC"),
    ("Clo-Bu4: MAC", "Clo-Bu4", "MAC"),
    ("FLAMSA-RIC (...): sequential", "FLAMSA-RIC (Flu/AraC/Amsa, TBI 4 Gy, Cy, ATG)",
     "sequential"),
    ("FLAMSA-Bu: sequential", "FLAMSA-Bu", "sequential"),
    ("FLAMSA-Mel: sequential", "FLAMSA-Mel", "sequential"),
    ("written sequential: chemotherapy block then RIC", "FLAG-Ida sequential then Flu/Bu2",
     "sequential"),
    ("Flu/Mel 140: melphalan <= 140 mg/m2 is RIC", "Flu/Mel 140", "RIC"),
    ("FLU-MEL 140: RIC", "FLU-MEL 140", "RIC"),
    ("FM140: RIC", "FM140", "RIC"),
    ("Flu/Mel 100: RIC", "Flu/Mel 100 mg/m2", "RIC"),
    ("melphalan > 140 mg/m2 is MAC", "Mel 200 mg/m2", "MAC"),
    ("melphalan exactly 140 mg/m2 is RIC", "Melphalan 140 mg/m2 + Flu", "RIC"),
    ("TBI 12 Gy/Cy: TBI >= 8 Gy is MAC", "TBI 12 Gy/Cy", "MAC"),
    ("TBI 12 Gy-Cy: MAC", "TBI 12 Gy-Cy", "MAC"),
    ("TBI 2x6 Gy + Cy: 12 Gy fractionated, MAC", "TBI 2x6 Gy + Cy", "MAC"),
    ("Cy/TBI undosed: classic Cy-TBI, MAC", "Cy/TBI", "MAC"),
    ("TBI exactly 8 Gy fractionated: MAC", "TBI 8 Gy fractionated + Cy", "MAC"),
    ("TBI 6 Gy single: >= 5 Gy single is MAC", "TBI 6 Gy single + Cy", "MAC"),
    ("TBI 6 Gy fractionated: < 8 Gy fractionated is RIC", "TBI 6 Gy fractionated + Flu", "RIC"),
    ("TBI 6 Gy, fractionation not written: open", "TBI 6 Gy", None),
    ("TBI 4 Gy: RIC", "FLU-TBI4", "RIC"),
    ("TBI exactly 2 Gy: NMA", "Flu/TBI 2 Gy", "NMA"),
    ("TBI 200 cGy: NMA", "Flu-TBI 200cGy", "NMA"),
    ("TLI-ATG: NMA", "TLI-ATG", "NMA"),
    ("Flu-Cy +/- ATG: NMA", "Flu/Cy + ATG", "NMA"),
    ("Treo/Flu undosed: open", "Treo/Flu", None),
    ("TREO-FLU undosed: open", "TREO-FLU", None),
    ("Treo 3 x 14 g/m2 = 42: MAC", "Treo 3 x 14 g/m2 + Flu", "MAC"),
    ("Treo 3 x 10 g/m2 = 30: RIC", "Treo 3x10 g/m2 + Flu", "RIC"),
    ("FT14: MAC", "FT14", "MAC"),
    ("FT10: RIC", "FT10", "RIC"),
    ("TT/Bu/Flu undosed (TBF-RIC or TBF-MAC): open", "TT/Bu/Flu", None),
    ("TBF undosed: open", "TBF", None),
    ("TBF with thiotepa 10 mg/kg: MAC", "TT 10 mg/kg + Bu 3 days + Flu", "MAC"),
    ("TBF with thiotepa 5 mg/kg and Bu 2 days: RIC", "TT 5 mg/kg/Bu2/Flu", "RIC"),
    ("BEAM undosed: standard melphalan 140 mg/m2, RIC", "BEAM", "RIC"),
    ("BEAM with melphalan 200: MAC", "BEAM (Mel 200 mg/m2)", "MAC"),
    ("BEAM with melphalan 140: RIC", "BEAM (BCNU 300, VP16 800, AraC 1600, Mel 140)", "RIC"),
    ("written out in full", "Busulfan 16 mg/kg oral + cyclophosphamide 120 mg/kg", "MAC"),
    ("GVHD prophylaxis in the same field is ignored", "Flu-Mel140 + ATG, CSA/MTX", "RIC"),
    ("day offsets are ignored", "Flu D-6 to D-2 + Bu2 D-3", "RIC"),
]


@pytest.mark.parametrize(("case", "text", "intensity"), FORMS, ids=[f[0] for f in FORMS])
def test_recognised_forms(case: str, text: str, intensity: str | None) -> None:
    call = classify_conditioning_text(text)
    assert not call.unknown, call.rule
    assert call.intensity == intensity, call.rule


# (case, text, unknown words)
UNKNOWN = [
    ("an unknown agent", "Flu/Bu2 + rituximab", ("RITUXIMAB",)),
    ("a made-up name", "XYZ-42", ("XYZ",)),
    ("a modified regimen", "mBuCy", ("MBUCY",)),
]


@pytest.mark.parametrize(("case", "text", "words"), UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_unrecognised_text_is_unknown_never_a_guess(case: str, text: str,
                                                    words: tuple[str, ...]) -> None:
    call = classify_conditioning_text(text)
    assert call.unknown and call.intensity is None
    reading = read_regimen_text(text)
    assert reading is not None and reading.unknown_words == words


def test_doses_are_totals_in_the_rule_units() -> None:
    r = read_regimen_text("Flu 30 mg/m2 x 5 + Bu 0.8 mg/kg q6h x 16 iv + TBI 200 cGy")
    assert r is not None
    got = [(a.agent, a.dose, a.unit, a.route) for a in r.agents]
    assert got == [("FLU", 150.0, "MGM2", None), ("BU", 12.8, "MGKG", "iv"),
                   ("TBI", 2.0, "GY", None)]
    assert r.normalised == "FLU150MGM2-BU12.8MGKG(iv)-TBI2GY"


def test_empty_text_is_no_regimen() -> None:
    assert read_regimen_text(None) is None and read_regimen_text("  ") is None
    assert classify_conditioning_text(None).rule == "no regimen"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_read_or_listed_never_raises(text: str) -> None:
    """Property: any text gives a call; unknown exactly when words are not understood."""
    call = classify_conditioning_text(text)
    reading = read_regimen_text(text)
    if reading is None:
        assert call.intensity is None and not call.unknown
    else:
        assert call.unknown == (bool(reading.unknown_words) or not reading.agents)
        assert call.intensity in (None, "NMA", "RIC", "MAC", "sequential")


@settings(max_examples=100, deadline=None)
@given(st.floats(0.5, 20), st.floats(0.5, 20))
def test_busulfan_intensity_is_monotone_in_dose(a: float, b: float) -> None:
    """Property: more oral busulfan never gives a lower intensity (Bacigalupo 2009)."""
    lo, hi = sorted((round(a, 1), round(b, 1)))
    rank = {"RIC": 1, "MAC": 2}
    i_lo = classify_conditioning_text(f"Flu + Bu {lo} mg/kg oral").intensity
    i_hi = classify_conditioning_text(f"Flu + Bu {hi} mg/kg oral").intensity
    assert rank[i_lo] <= rank[i_hi]
    assert i_lo == ("MAC" if lo > 8 else "RIC")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(sorted(set(AGENT_ALIASES) | {"FLAMSA"})), min_size=1,
                max_size=4),
       st.sampled_from(["-", "/", " + ", ", "]))
def test_catalogued_words_are_never_unknown(words: list[str], sep: str) -> None:
    """Property: a regimen of catalogued agents only is never listed as unknown."""
    call = classify_conditioning_text(sep.join(words))
    assert not call.unknown, call.rule
    assert not (set(words) & NEUTRAL_WORDS)
