"""Transplant variables of the first allograft: donor type, conditioning intensity, HCT-CI
group, CMV pair, in-vivo T-cell depletion and chimerism flags.

Source: ../shared/spec/clinical-rules.md ("Transplant variables"); conditioning intensity
per Bacigalupo et al., Biol Blood Marrow Transplant 2009;15:1628-33 (working definitions).
Regimen texts are parsed once per distinct string, then mapped back (vectorised).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinical_rules.hla_text import read_hla
from clinical_rules.regimen_text import AgentDose, read_regimen_text
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds

KEY = ["centre_id", "patient_id"]
#: Donor types (clinical-rules.md); other matched related is spelt out so that it cannot
#: read as measurable residual disease ("MRD").
DONOR_TYPES = ("MSD", "MUD", "MMUD", "haplo", "cord", "matched_related_other",
               "mismatched_related")
INTENSITIES = ("NMA", "RIC", "MAC", "sequential")
_LEVEL = {0: "NMA", 1: "RIC", 2: "MAC"}


def first_allograft(transplants: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: the first allograft (earliest hsct_date, then lowest hsct_number).

    Rule: outcomes.md, time origin = the first allograft (day 0).
    """
    t = transplants.loc[transplants["hsct_date"].notna()]
    t = t.sort_values([*KEY, "hsct_date", "hsct_number"], kind="mergesort", na_position="last")
    return t.drop_duplicates(KEY, keep="first").reset_index(drop=True)


def classify_donor(donor_relation: pd.Series, hla_match: pd.Series) -> pd.DataFrame:
    """Donor type from the relation and the HLA text, with the reason where it is <NA>.

    Rule (clinical-rules.md "Transplant variables"; HLA text per :mod:`clinical_rules.hla_text`):
    cord = cord blood; haplo = haploidentical relation, or a related donor matched at half
    the loci or less (5/10, 4/8, "haplo"); MSD = sibling fully matched;
    ``matched_related_other`` = other related donor fully matched; ``mismatched_related`` =
    related donor with fewer mismatches than half (9/10, "HLA-A mismatch": documented
    choice, the spec names no class for it); MUD = unrelated fully matched (10/10, 8/8, any
    x/x); MMUD = unrelated with any mismatch. <NA> (never a guess) with a reason: HLA text
    missing or unreadable, a related donor "mismatched" without the number of mismatches,
    an unrelated donor written "haplo".
    """
    rel = donor_relation.astype("object")
    h = read_hla(hla_match)
    full = h["hla_full_match"].fillna(False).to_numpy(dtype=bool)
    mism = (~h["hla_full_match"].fillna(True)).to_numpy(dtype=bool)
    haplo = h["hla_haplo"].to_numpy(dtype=bool)
    haplo_written = h["hla_haplo_written"].to_numpy(dtype=bool)
    counted = h["hla_mismatches"].notna().to_numpy(dtype=bool) | h["hla_typed"].notna(
    ).to_numpy(dtype=bool)
    unknown = h["hla_unknown"].to_numpy(dtype=bool)
    missing = hla_match.isna().to_numpy(dtype=bool) | (h["hla_normalised"].isna().to_numpy(
        dtype=bool) & ~unknown)
    cord = (rel == "cord").to_numpy()
    hap_rel = (rel == "haploidentical").to_numpy()
    sib = (rel == "sibling").to_numpy()
    oth = (rel == "other_related").to_numpy()
    unr = (rel == "unrelated").to_numpy()
    related = sib | oth
    conds = [cord, hap_rel, related & haplo, sib & full, oth & full,
             related & mism & counted, unr & full, unr & mism & ~haplo_written]
    out = np.select(conds, ["cord", "haplo", "haplo", "MSD", "matched_related_other",
                            "mismatched_related", "MUD", "MMUD"], default="")
    reason = np.select(
        [out != "", unknown, missing, related & mism, unr & haplo_written],
        ["", "HLA text not read: " + h["hla_reason"].fillna("").astype(str).to_numpy(),
         "HLA match not given", "related donor mismatched, number of mismatches not given "
         "(haplo or mismatched related undecidable)",
         "unrelated donor written as haploidentical"], default="donor relation not known")
    frame = pd.DataFrame(index=donor_relation.index)
    s = pd.Series(out, index=donor_relation.index, dtype="object")
    frame["donor_type"] = s.where(s != "", None)
    r = pd.Series(reason, index=donor_relation.index, dtype="object")
    frame["donor_type_reason"] = r.where(r != "", None)
    frame["hla_normalised"] = h["hla_normalised"]
    return frame


def derive_donor_type(donor_relation: pd.Series, hla_match: pd.Series) -> pd.Series:
    """Donor type (MSD, MUD, MMUD, haplo, cord, matched_related_other, mismatched_related).

    Rule: clinical-rules.md "Transplant variables"; see :func:`classify_donor`.
    """
    return classify_donor(donor_relation, hla_match)["donor_type"].rename("donor_type")


# --- Conditioning -----------------------------------------------------------------------

#: Agents that do not set intensity by themselves (purine analogues, serotherapy, the
#: FLAMSA block's drugs, Cy as a partner, BCNU/etoposide, TLI).  Bacigalupo 2009: Flu-Cy
#: and TLI-ATG are NMA.
_NEUTRAL = {"FLU", "CY", "ATG", "ARAC", "AMSA", "IDA", "CLO", "CLAD", "VP16", "ALEM", "PTCY",
            "BCNU", "TLI"}
#: Named regimens without doses in the text whose standard dose is unambiguous.
#: (TBF = TT-FLU-BU is not here: TBF-RIC uses thiotepa 5 mg/kg + Bu 2 days, TBF-MAC
#: thiotepa 10 mg/kg + Bu 3 days, so undosed it takes the reported intensity.)
_NAMED_UNDOSED: dict[frozenset[str], tuple[str, str]] = {
    frozenset({"BU", "CY"}): ("MAC", "classic BuCy: busulfan 16 mg/kg oral"),
    frozenset({"CY", "TBI"}): ("MAC", "classic Cy-TBI: TBI 12 Gy fractionated"),
    frozenset({"BCNU", "VP16", "ARAC", "MEL"}): (
        "RIC", "standard BEAM: melphalan 140 mg/m2 (<= 140: RIC)"),
}
#: Busulfan: oral 1 mg/kg = IV 0.8 mg/kg (Bacigalupo 2009); IV 3.2 mg/kg/day, oral 4 mg/kg/day
#: (a number of days), IV 130 mg/m2/day = 3.2 mg/kg/day (de Lima et al., Blood 2004).
BU_ORAL_TO_IV = 0.8
BU_IV_MG_KG_PER_DAY = 3.2
BU_ORAL_MG_KG_PER_DAY = 4.0
BU_IV_MG_M2_PER_DAY = 130.0
BU_MAC_IV_ABOVE = 6.4       # > 8 mg/kg oral = > 6.4 mg/kg IV
BU_MAC_ORAL_ABOVE = 8.0


@dataclass(frozen=True)
class ConditioningCall:
    """The catalogue's reading of one written conditioning regimen."""

    normalised: str
    intensity: str | None
    rule: str
    unknown: bool


def _busulfan_iv(a: AgentDose) -> tuple[float | None, str]:
    """Total busulfan as IV-equivalent mg/kg (None when route or unit leave it open)."""
    if a.dose is None:
        return None, "busulfan without dose"
    if a.unit == "DAYS":
        if a.route == "oral":
            return a.dose * BU_ORAL_MG_KG_PER_DAY * BU_ORAL_TO_IV, \
                f"busulfan {a.dose:g} days oral"
        return a.dose * BU_IV_MG_KG_PER_DAY, f"busulfan {a.dose:g} days iv (3.2 mg/kg/day)"
    if a.unit == "MGKG":
        if a.route == "oral":
            return a.dose * BU_ORAL_TO_IV, f"busulfan {a.dose:g} mg/kg oral"
        if a.route == "iv" or a.dose <= BU_MAC_IV_ABOVE or a.dose > BU_MAC_ORAL_ABOVE:
            # route unwritten: below 6.4 RIC and above 8 MAC whichever route it was
            return a.dose, f"busulfan {a.dose:g} mg/kg" + (" iv" if a.route == "iv" else "")
        return None, f"busulfan {a.dose:g} mg/kg, route not written (oral RIC, iv MAC)"
    if a.unit == "MGM2":
        return a.dose * BU_IV_MG_KG_PER_DAY / BU_IV_MG_M2_PER_DAY, \
            f"busulfan {a.dose:g} mg/m2 iv"
    return None, f"busulfan dose unit {a.unit} not convertible"


def _agent_level(a: AgentDose) -> tuple[int | None, str]:
    """Intensity level of one agent at its written dose (0 NMA, 1 RIC, 2 MAC; None = open).

    Bacigalupo et al. BBMT 2009;15:1628: MAC = TBI >= 5 Gy single or >= 8 Gy fractionated,
    busulfan > 8 mg/kg oral (> 6.4 mg/kg IV), melphalan > 140 mg/m2, thiotepa >= 10 mg/kg;
    RIC = TBI <= 500 cGy single / <= 800 cGy fractionated, busulfan <= 8 mg/kg oral,
    melphalan <= 140, thiotepa < 10 mg/kg; NMA = TBI <= 2 Gy +/- purine analogue, Flu-Cy
    +/- ATG, TLI-ATG. TBI 5-8 Gy without its fractionation written is open (single MAC,
    fractionated RIC). Treosulfan (outside Bacigalupo 2009): > 30 g/m2 MAC (FT14 = 42),
    <= 30 RIC (Beelen et al., Lancet Haematol 2020).
    """
    agent = a.agent
    if agent in _NEUTRAL:
        return 0, f"{agent} alone does not set intensity"
    if a.dose is None:
        return None, a.note or f"{agent} without dose"
    if agent == "BU":
        iv, why = _busulfan_iv(a)
        if iv is None:
            return None, why
        return (2 if iv > BU_MAC_IV_ABOVE + 1e-9 else 1), f"{why} = {iv:g} mg/kg iv"
    if agent == "MEL":
        if a.unit not in ("MGM2", None):
            return None, f"melphalan dose unit {a.unit} not mg/m2"
        return (2 if a.dose > 140 else 1), f"melphalan {a.dose:g} mg/m2"
    if agent == "TBI":
        gy = a.dose
        if gy <= 2:
            return 0, f"TBI {gy:g} Gy"
        if gy >= 8 or (gy >= 5 and a.fractionation == "single"):
            return 2, f"TBI {gy:g} Gy" + (" single" if a.fractionation == "single" else "")
        if gy < 5 or a.fractionation == "fractionated":
            return 1, f"TBI {gy:g} Gy"
        return None, f"TBI {gy:g} Gy, fractionation not written (single MAC, fractionated RIC)"
    if agent == "TT":
        if a.unit not in ("MGKG", None):
            return None, f"thiotepa dose unit {a.unit} not mg/kg"
        return (2 if a.dose >= 10 else 1), f"thiotepa {a.dose:g} mg/kg"
    if agent == "TREO":
        if a.unit not in ("GM2", None):
            return None, f"treosulfan dose unit {a.unit} not g/m2"
        return (2 if a.dose > 30 else 1), f"treosulfan {a.dose:g} g/m2"
    return None, f"{agent}: no catalogue rule"


def classify_conditioning_text(text: str | None) -> ConditioningCall:
    """Read one written conditioning regimen into agents, doses and an intensity.

    Rule: Bacigalupo et al. BBMT 2009;15:1628 (see :func:`_agent_level`); the text is read
    by :func:`clinical_rules.regimen_text.read_regimen_text`; sequential = a FLAMSA block
    (fludarabine, amsacrine, cytarabine) followed by RIC (Schmid et al., JCO 2005); the
    intensity of a regimen is the highest level of its agents; undosed alkylators leave the
    intensity undecided (the reported value is used) unless the named standard regimen is
    unambiguous (BuCy, Cy-TBI); ``unknown`` = a word outside the catalogue (listed so that
    the catalogue can be extended; the reported value is used).
    """
    reading = read_regimen_text(text)
    if reading is None:
        return ConditioningCall("", None, "no regimen", False)
    normalised = reading.normalised
    if reading.unknown_words or not reading.agents:
        words = " ".join(reading.unknown_words) or "no agent"
        return ConditioningCall(normalised, None, "unknown tokens: " + words, True)
    agents = list(reading.agents)
    codes = {a.agent for a in agents}
    if reading.flamsa or reading.sequential_word or {"AMSA", "ARAC"} <= codes:
        why = ("FLAMSA block + RIC (sequential)" if reading.flamsa or "AMSA" in codes
               else "chemotherapy block followed by RIC (sequential)")
        return ConditioningCall(normalised, "sequential", why, False)
    levels: list[int] = []
    rules: list[str] = []
    undosed: set[str] = set()
    for a in agents:
        lvl, why = _agent_level(a)
        rules.append(why)
        if lvl is None:
            undosed.add(a.agent)
        else:
            levels.append(lvl)
    if undosed == {"TT"} and "BU" in codes and levels:
        # TBF with busulfan days: TBF-RIC = thiotepa 5 mg/kg + Bu 2 days, TBF-MAC =
        # thiotepa 10 mg/kg + Bu 3 days (Saraceni et al., Bone Marrow Transplant 2019).
        return ConditioningCall(normalised, _LEVEL[max(levels)],
                                "; ".join(rules) + "; TBF thiotepa follows busulfan days", False)
    if undosed:
        key = frozenset(codes - {"ATG", "ALEM", "PTCY"})
        named = _NAMED_UNDOSED.get(key)
        undosed_only = all(a.dose is None for a in agents if a.agent in undosed)
        if named is not None and undosed <= set(key) and undosed_only and not any(
                a.note for a in agents):
            return ConditioningCall(normalised, named[0], named[1], False)
        # every agent is catalogued but a decisive dose is not written (or its route or
        # fractionation): the reported intensity is used; not an unknown regimen
        return ConditioningCall(normalised, None, "dose not decisive: " + "; ".join(rules),
                                False)
    return ConditioningCall(normalised, _LEVEL[max(levels)], "; ".join(rules), False)


def classify_conditioning(regimens: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`classify_conditioning_text` (one parse per distinct text).

    Returns conditioning_normalised, conditioning_intensity_derived, conditioning_rule and
    conditioning_unknown, aligned on ``regimens.index``.
    """
    uniques = pd.Index(pd.Series(regimens.dropna().unique(), dtype="object"))
    calls = [classify_conditioning_text(u) for u in uniques]
    codes = uniques.get_indexer(regimens.astype("object"))
    valid = codes >= 0
    idx = np.clip(codes, 0, None)

    def col(values: list[object], default: object) -> np.ndarray:
        arr = np.array(values + [default], dtype=object)
        return np.where(valid, arr[np.where(valid, idx, len(values))], default)

    out = pd.DataFrame(index=regimens.index)
    out["conditioning_normalised"] = col([c.normalised for c in calls], None)
    out["conditioning_intensity_derived"] = col([c.intensity for c in calls], None)
    out["conditioning_rule"] = col([c.rule for c in calls], None)
    out["conditioning_unknown"] = col([c.unknown for c in calls], False).astype(bool)
    return out


def hct_ci_group(hct_ci: pd.Series) -> pd.Series:
    """HCT-CI group "0", "1", "2", ">=3" (Sorror et al., Blood 2005;106:2912; study grouping)."""
    v = pd.to_numeric(hct_ci, errors="coerce").to_numpy(dtype=float)
    out = np.select([v == 0, v == 1, v == 2, v >= 3], ["0", "1", "2", ">=3"], default="")
    s = pd.Series(out, index=hct_ci.index, dtype="object", name="hct_ci_group")
    return s.where(s != "", None)


def cmv_pair(donor_cmv: pd.Series, recipient_cmv: pd.Series) -> pd.Series:
    """CMV serostatus pair D-/R-, D-/R+, D+/R-, D+/R+ (<NA> when either is unknown).

    Rule: clinical-rules.md ("Transplant variables").
    """
    sign = {"positive": "+", "negative": "-"}
    d = donor_cmv.astype("object").map(sign)
    r = recipient_cmv.astype("object").map(sign)
    s = ("D" + d + "/R" + r).astype("object")
    return s.where(d.notna() & r.notna(), None).rename("cmv_pair")


def in_vivo_tcd(atg: pd.Series, ptcy: pd.Series) -> pd.Series:
    """In-vivo T-cell depletion = ATG or PTCy (Kleene logic: True if either is True).

    Rule: clinical-rules.md ("in_vivo_tcd: ATG or PTCy").
    """
    return (atg.astype("boolean") | ptcy.astype("boolean")).rename("in_vivo_tcd")


def chimerism_flags(
    transplants: pd.DataFrame, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Chimerism flags: ``mixed_chimerism_d30`` = marrow recipient >= 5 % at day 30;
    ``partial_chimerism_d90`` = recipient >= 1 % at day 90 (<NA> when not measured).

    Rule: clinical-rules.md ("Chimerism").
    """
    d30 = pd.to_numeric(transplants["chimerism_d30_recipient_pct"], errors="coerce")
    d90 = pd.to_numeric(transplants["chimerism_d90_recipient_pct"], errors="coerce")
    out = pd.DataFrame(index=transplants.index)
    out["mixed_chimerism_d30"] = (d30 >= thresholds.chimerism_d30_recipient_pct).astype(
        "boolean").mask(d30.isna())
    out["partial_chimerism_d90"] = (
        d90 >= thresholds.chimerism_d90_partial_recipient_pct).astype("boolean").mask(d90.isna())
    return out


def transplant_variables(
    transplants: pd.DataFrame, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Per patient, the first allograft with its derived variables.

    conditioning_intensity = the catalogue's intensity, or the reported one when the
    regimen is unknown (``conditioning_intensity_source`` = derived / reported).
    """
    t = first_allograft(transplants).copy()
    donor = classify_donor(t["donor_relation"], t["hla_match"])
    t["donor_type"] = donor["donor_type"]
    t["donor_type_reason"] = donor["donor_type_reason"]
    cond = classify_conditioning(t["conditioning_regimen"])
    t = pd.concat([t, cond], axis=1)
    derived = t["conditioning_intensity_derived"]
    reported = t["conditioning_intensity_reported"].astype("object")
    t["conditioning_intensity"] = derived.where(derived.notna(), reported)
    t["conditioning_intensity"] = t["conditioning_intensity"].where(
        t["conditioning_intensity"].notna(), None)
    src = np.where(derived.notna(), "derived", np.where(reported.notna(), "reported", ""))
    t["conditioning_intensity_source"] = pd.Series(src, index=t.index, dtype="object").where(
        src != "", None)
    t["hct_ci_group"] = hct_ci_group(t["hct_ci"])
    t["cmv_pair"] = cmv_pair(t["donor_cmv"], t["recipient_cmv"])
    t["in_vivo_tcd"] = in_vivo_tcd(t["atg"], t["ptcy"])
    t = pd.concat([t, chimerism_flags(t, thresholds)], axis=1)
    return t


def donor_discrepancies(tx: pd.DataFrame) -> pd.DataFrame:
    """First allografts whose donor type could not be derived (HLA text unread or missing,
    contradictory relation and HLA text), with the reason (clinical-rules.md: never a guess).
    """
    bad = tx["donor_type"].isna().to_numpy(dtype=bool)
    d = tx.loc[bad]
    return pd.DataFrame({
        "centre_id": d["centre_id"], "patient_id": d["patient_id"], "variable": "donor_type",
        "reported": ("relation " + d["donor_relation"].astype(str) + ", HLA "
                     + d["hla_match"].astype(object).where(d["hla_match"].notna(), "(empty)"
                                                           ).astype(str)),
        "derived": None,
        "reason": "donor type unknown: " + d["donor_type_reason"].astype(str),
    })


def conditioning_discrepancies(tx: pd.DataFrame) -> pd.DataFrame:
    """Reported vs derived conditioning intensity, and regimens the catalogue does not know.

    Rule: clinical-rules.md (compare with the reported value; list unknown regimens).
    """
    rep = tx["conditioning_intensity_reported"].astype("object")
    der = tx["conditioning_intensity_derived"]
    bad = (rep.notna() & der.notna() & (rep != der)).to_numpy(dtype=bool)
    d = tx.loc[bad]
    a = pd.DataFrame({
        "centre_id": d["centre_id"], "patient_id": d["patient_id"],
        "variable": "conditioning_intensity", "reported": rep[bad], "derived": der[bad],
        "reason": "Bacigalupo 2009 catalogue: " + d["conditioning_regimen"].astype(str)
        + " (" + d["conditioning_rule"].astype(str) + ")",
    })
    unk = tx.loc[tx["conditioning_unknown"].to_numpy(dtype=bool)]
    b = pd.DataFrame({
        "centre_id": unk["centre_id"], "patient_id": unk["patient_id"],
        "variable": "conditioning_regimen", "reported": unk["conditioning_regimen"],
        "derived": None,
        "reason": "regimen not in the conditioning catalogue; reported intensity used ("
        + unk["conditioning_rule"].astype(str) + ")",
    })
    return pd.concat([a, b], ignore_index=True)


def unknown_conditioning_regimens(tx: pd.DataFrame) -> pd.DataFrame:
    """Distinct conditioning regimen texts the catalogue could not read, with counts."""
    counts = tx.loc[tx["conditioning_unknown"].to_numpy(dtype=bool),
                    "conditioning_regimen"].value_counts()
    return pd.DataFrame({
        "regimen": counts.index.astype("object"), "kind": "conditioning",
        "count": counts.to_numpy(dtype="int64"),
    })
