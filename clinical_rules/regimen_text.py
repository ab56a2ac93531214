"""Conditioning regimen text as registries write it, read into agents, doses and routes.

Source: ../shared/spec/clinical-rules.md ("Transplant variables": the regimen catalogue knows
the registries' spellings); dose units and equivalences per Bacigalupo et al., Biol Blood
Marrow Transplant 2009;15:1628 (busulfan oral 1 mg/kg = IV 0.8 mg/kg) and de Lima et al.,
Blood 2004;104:857 (IV busulfan 130 mg/m2/day = 3.2 mg/kg/day). Pure Python; the intensity
itself is :func:`clinical_rules.transplant.classify_conditioning_text`.

``NAMED_REGIMENS`` and ``AGENT_ALIASES`` are the table of recognised forms; a word outside
them is listed in ``RegimenReading.unknown_words`` (never guessed), and a dose that cannot be
brought to a total in the rule's unit is left ``None`` with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Agent spellings -> agent code.
AGENT_ALIASES: dict[str, str] = {
    "FLU": "FLU", "FLUDA": "FLU", "FLUDARA": "FLU", "FLUDARABINE": "FLU", "FLUDARABIN": "FLU",
    "FLUDARABINA": "FLU",
    "BU": "BU", "BUS": "BU", "BUSU": "BU", "BUSULFAN": "BU", "BUSULPHAN": "BU",
    "BUSULFEX": "BU", "BUSILVEX": "BU", "BUSULFANO": "BU", "IVBU": "BU",
    "MEL": "MEL", "MELPH": "MEL", "MELPHALAN": "MEL", "MELPHALANE": "MEL", "MELFALAN": "MEL",
    "CY": "CY", "CYC": "CY", "CYCLO": "CY", "CTX": "CY", "CPM": "CY", "ENDOXAN": "CY",
    "CYCLOPHOSPHAMIDE": "CY", "CYCLOPHOSPHAMID": "CY", "CICLOFOSFAMIDA": "CY",
    "TBI": "TBI", "ICT": "TBI", "GKB": "TBI", "TLI": "TLI", "TNI": "TLI",
    "TT": "TT", "TEC": "TT", "THIO": "TT", "THIOTEPA": "TT", "TEPADINA": "TT", "TTP": "TT",
    "TREO": "TREO", "TREOSULFAN": "TREO", "TREOSULPHAN": "TREO",
    "ATG": "ATG", "THYMO": "ATG", "THYMOGLOBULIN": "ATG", "THYMOGLOBULINE": "ATG",
    "GRAFALON": "ATG", "ATLG": "ATG", "ATGF": "ATG", "ATGAM": "ATG",
    "ARAC": "ARAC", "CYTARABINE": "ARAC", "CYTARABIN": "ARAC", "ARA": "ARAC",
    "AMSA": "AMSA", "AMSACRINE": "AMSA", "AMSACRIN": "AMSA",
    "IDA": "IDA", "IDARUBICIN": "IDA", "CLO": "CLO", "CLOFA": "CLO", "CLOFARABINE": "CLO",
    "CLAD": "CLAD", "CLADRIBINE": "CLAD", "VP16": "VP16", "ETO": "VP16",
    "ETOPOSIDE": "VP16", "ALEM": "ALEM", "CAMPATH": "ALEM", "ALEMTUZUMAB": "ALEM",
    "BCNU": "BCNU", "CARMUSTINE": "BCNU", "PTCY": "PTCY",
}
_AGENT_THEN_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(AGENT_ALIASES, key=len, reverse=True)) + r")(?=\d)")
#: Words that carry no agent or dose: routes, units, links, GVHD prophylaxis written in the
#: same field, intensity words (compared, not used), day offsets.
NEUTRAL_WORDS = frozenset({
    "MG", "KG", "M2", "G", "GY", "CGY", "MGKG", "MGM2", "GM2", "D", "DAY", "DAYS", "J", "JOUR",
    "JOURS", "TAG", "TAGE", "X", "Q6H", "QD", "BID", "DOSE", "DOSES", "TOTAL", "AND", "WITH",
    "PLUS", "THEN", "ET", "UND", "Y", "E", "ORAL", "PO", "OS", "PER", "IV", "INTRAVENOUS",
    "FX", "FRACTION", "FRACTIONS", "FRACTIONATED", "SINGLE", "SD", "SF", "RIC", "MAC", "NMA",
    "RTC", "REDUCED", "INTENSITY", "TOXICITY", "MYELOABLATIVE", "CONDITIONING", "REGIMEN",
    "PROTOCOL", "BASED", "CSA", "CSP", "CYA", "CICLOSPORIN", "CYCLOSPORIN", "CYCLOSPORINE",
    "MTX", "METHOTREXATE", "MMF", "TAC", "TACRO", "TACROLIMUS", "SIR", "SIROLIMUS", "AUC",
    "TARGETED", "PK", "SEQUENTIAL", "SEQ", "BLOCK", "GYS", "CGYS", "TDM", "GCSF", "FOR",
    "OVER", "FOLLOWED", "BY", "TO", "FROM", "UNTIL", "DU", "AU",
})
#: Named regimens (fused or protocol names) -> written-out form. Doses left out of the
#: name stay undosed (the intensity then needs the written dose or the reported value),
#: except where the name itself fixes them (BuCy2/BuCy4: busulfan 16 mg/kg oral; FT14).
NAMED_REGIMENS: tuple[tuple[str, str, str], ...] = (
    # (pattern, expansion, comment); applied in order on the upper-cased text
    (r"\bFLAMSA\b[\s-]*(?:RIC\b)?", " FLAMSA ", "FLAMSA block (Flu, AraC, amsacrine) + RIC"),
    (r"\bBU\s*CY\s*([24])\b", r" BU 16 MG/KG ORAL CY\1 ",
     "BuCy2 / BuCy4: busulfan 16 mg/kg oral (4 days) + Cy 2 or 4 days (Santos; Tutschka)"),
    (r"\bB\s*U\s*(\d)\s*-?\s*CY\b", r" BU\1 CY ", "Bu4Cy: busulfan days + Cy"),
    (r"\bTBF\b", " TT FLU BU ", "TBF = thiotepa, busulfan, fludarabine (Saraceni 2019)"),
    (r"\bFLAG\b", " FLU ARAC GCSF ", "FLAG = fludarabine, cytarabine, G-CSF"),
    (r"\bG-?CSF\b", " GCSF ", "G-CSF"),
    (r"\bBEAM\b", " BCNU VP16 ARAC MEL ", "BEAM = BCNU, etoposide, AraC, melphalan"),
    (r"\bFT\s*(1[04])\b", r" FLU TREO\1 ", "FT10 / FT14 = Flu + treosulfan 10/14 g/m2 x 3"),
    (r"\bF\s*B\s*(\d)\b", r" FLU BU\1 ", "FB2 / FB4 = Flu + busulfan 2 / 4 days"),
    (r"\bF\s*M\s*(\d{2,3})\b", r" FLU MEL\1 ", "FM140 = Flu + melphalan 140 mg/m2"),
    (r"\bFLU\s*BU\s*(\d)\b", r" FLU BU\1 ", "FluBu4"),
    (r"\bFLU\s*MEL\s*(\d*)\b", r" FLU MEL\1 ", "FluMel140"),
    (r"\bFLU\s*BU\b", " FLU BU ", "FluBu"),
    (r"\bFLU\s*CY\b", " FLU CY ", "FluCy"),
    (r"\bFLU\s*TREO\b", " FLU TREO ", "FluTreo"),
    (r"\bBU\s*CY\b", " BU CY ", "BuCy"),
    (r"\bCY\s*TBI\s*(\d*)", r" CY TBI\1 ", "CyTBI"),
    (r"\bTBI\s*CY\b", " TBI CY ", "TBICy"),
    (r"\bFLU\s*TBI\s*(\d*)", r" FLU TBI\1 ", "FluTBI"),
    (r"\bCLO\s*BU\s*(\d?)\b", r" CLO BU\1 ", "CloBu"),
)
_NAMED = tuple((re.compile(p), r) for p, r, _ in NAMED_REGIMENS)

_UNIT = (r"(?P<unit>C\s*GY|GY|MG\s*/\s*KG|MGKG|MG\s*/\s*M\s*2|MG\s*/\s*M²|MGM2|G\s*/\s*M\s*2|"
         r"G\s*/\s*M²|GM2|MG)")
_NUM = r"\d+(?:[.,]\d+)?"
#: "3 x 14 g/m2", "2x6 Gy": count x dose unit
_COUNT_FIRST = re.compile(rf"(?P<n>\d+)\s*[X×]\s*(?P<d>{_NUM})\s*{_UNIT}")
#: "3.2 mg/kg/d x 4 d", "0.8 mg/kg q6h x 16", "12 Gy", "140 mg/m2"
_DOSE = re.compile(
    rf"(?P<d>{_NUM})\s*{_UNIT}(?P<per>\s*/\s*(?:D|DAY|J|DOSE)\b|\s*Q6H\b|\s*QD\b)?"
    rf"(?:\s*[X×]\s*(?P<n>\d+)\s*(?:D\b|DAYS?\b|DOSES?\b|J\b|FX\b|FRACTIONS?\b)?)?"
    rf"(?:\s*(?:FOR|OVER)?\s*(?P<days>\d+)\s*(?:D|DAYS?|J|JOURS)\b)?")
_BARE = re.compile(rf"^\s*(?:X\s*)?(?P<d>{_NUM})(?![\d.,]*\s*(?:C\s*GY|GY|MG|G\s*/|[A-Z]))")
_ROUTE_ORAL = re.compile(r"\b(?:ORAL|PO|P\.O\.|PER\s*OS|OS)\b")
_ROUTE_IV = re.compile(r"\b(?:IV|I\.V\.|INTRAVENOUS|BUSULFEX|BUSILVEX|IVBU)\b")
_SINGLE_FRACTION = re.compile(r"\b(?:SINGLE|SD|SF|1\s*FX|ONE\s+FRACTION)\b")
_FRACTIONATED = re.compile(r"\b(?:FRACTIONATED|FX|FRACTIONS)\b|\d\s*[X×]\s*\d")
_DAYS_WORD = re.compile(r"(?P<n>\d)\s*(?:D|DAYS?|J|JOURS|TAGE)\b")


@dataclass(frozen=True)
class AgentDose:
    """One agent of a regimen with its total dose as written (None = not written).

    ``unit``: GY, MGKG, MGM2, GM2 or DAYS (a number of standard days, e.g. Bu2, FLU-BU4);
    ``route``: oral, iv or None; ``fractionation`` (TBI): single, fractionated or None.
    """

    agent: str
    dose: float | None = None
    unit: str | None = None
    route: str | None = None
    fractionation: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RegimenReading:
    """The reading of one written regimen: agents in order, the words not understood."""

    text: str
    agents: tuple[AgentDose, ...]
    unknown_words: tuple[str, ...]
    flamsa: bool = False
    sequential_word: bool = False

    @property
    def normalised(self) -> str:
        """Agents with total doses, e.g. "FLU-BU6.4mg/kg iv" -> "FLU-BU6.4MGKG(iv)"."""
        parts = []
        for a in self.agents:
            unit = {"DAYS": "D", None: ""}.get(a.unit, a.unit)
            dose = "" if a.dose is None else f"{a.dose:g}{unit}"
            route = f"({a.route})" if a.route else ""
            parts.append(f"{a.agent}{dose}{route}")
        return "-".join(parts)


def _unit(u: str | None) -> str | None:
    if u is None:
        return None
    u = re.sub(r"\s+", "", u).replace("²", "2")
    return {"CGY": "CGY", "GY": "GY", "MG/KG": "MGKG", "MGKG": "MGKG", "MG/M2": "MGM2",
            "MGM2": "MGM2", "G/M2": "GM2", "GM2": "GM2", "MG": "MG"}[u]


def _number(x: str) -> float:
    return float(x.replace(",", "."))


def _segment_dose(agent: str, seg: str) -> AgentDose:
    """The dose written after an agent (its segment of the text), as a total."""
    route = "oral" if _ROUTE_ORAL.search(seg) else ("iv" if _ROUTE_IV.search(seg) else None)
    frac = ("single" if _SINGLE_FRACTION.search(seg) else
            "fractionated" if _FRACTIONATED.search(seg) else None)
    m = _COUNT_FIRST.search(seg)
    if m:
        return AgentDose(agent, int(m.group("n")) * _number(m.group("d")), _unit(m.group("unit")),
                         route, frac or ("fractionated" if agent == "TBI" else None))
    m = _DOSE.search(seg)
    if m:
        dose, unit = _number(m.group("d")), _unit(m.group("unit"))
        n = m.group("n") or m.group("days")
        if n:
            dose *= int(n)
        elif m.group("per"):
            return AgentDose(agent, None, unit, route, frac,
                             f"{agent} dose per day/dose without the number of days")
        if unit == "CGY":
            dose, unit = dose / 100.0, "GY"
        return AgentDose(agent, dose, unit, route, frac)
    m = _BARE.match(seg)
    if m:                                   # fused number: Bu2, Mel140, TBI12, Treo14, TT10
        d = _number(m.group("d"))
        unit = {"BU": "DAYS", "MEL": "MGM2", "TBI": "GY", "TT": "MGKG", "TREO": "GM2"}.get(agent)
        if agent == "BU" and d > 4:
            unit = "MGKG"                   # "Bu 8": a mg/kg dose, not days
        if agent == "TBI" and d >= 50:
            d, unit = d / 100.0, "GY"       # "TBI 200" = 200 cGy
        if agent == "TREO" and d <= 14:
            d, unit = d * 3, "GM2"          # Treo14 = 14 g/m2 x 3 days
        return AgentDose(agent, d, unit, route, frac)
    days = _DAYS_WORD.search(seg)
    if days and agent == "BU":
        return AgentDose(agent, float(days.group("n")), "DAYS", route, frac)
    return AgentDose(agent, None, None, route, frac)


_AGENT_WORD = re.compile(r"[A-Z][A-Z0-9]*")


def read_regimen_text(text: object) -> RegimenReading | None:
    """Read one written conditioning regimen (None for an empty value).

    Rule: the named forms (:data:`NAMED_REGIMENS`) are written out, the text is cut at each
    agent (:data:`AGENT_ALIASES`), and each agent's segment gives its dose: "3 x 14 g/m2",
    "3.2 mg/kg/d x 4 d", "0.8 mg/kg q6h x 16", "12 Gy", "200 cGy", a fused number (Bu2 =
    2 days, Mel140 mg/m2, TBI12 Gy, Treo14 g/m2 x 3, TT10 mg/kg), a route (oral / iv) and
    TBI fractionation. Words neither agents nor :data:`NEUTRAL_WORDS` are listed as unknown.
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    raw = str(text).strip()
    if not raw:
        return None
    s = re.sub(r"\bARA[\s-]C\b", "ARAC", raw.upper())
    s = re.sub(r"\bVP[\s-]16\b", "VP16", s)
    s = re.sub(r"\bATG[\s-]F\b", "ATGF", s)
    s = s.replace("I.V.", " IV ").replace("P.O.", " PO ").replace("µ", "U")
    s = s.replace("²", "2")
    s = re.sub(r"(?<=\d),(?=\d)", ".", s)
    s = re.sub(r"\bPER\s+OS\b", " ORAL ", s)
    s = re.sub(r"\b[DJ]\s*[-+]\s*\d+\b", " ", s)        # day offsets: D-6, J-3
    s = re.sub(r"\bTARGET(?:ED)?\s+AUC\b[^A-Z]*", " AUC ", s)
    for pattern, repl in _NAMED:
        s = pattern.sub(repl, s)
    s = _AGENT_THEN_NUMBER.sub(r"\1 ", s)                # "MEL140" -> "MEL 140"
    s = re.sub(r"(?<=\d)\s*[X×]\s*(?=\d)", " X ", s)      # "2x6 Gy" -> "2 X 6 GY"
    s = re.sub(r"(?<![A-Z])[X×](?=\d)", "X ", s)          # "Bu x4" -> "BU X 4"
    # cut at every agent word (single letters only where a named form produced them)
    starts: list[tuple[int, int, str]] = []
    unknown: list[str] = []
    for m in _AGENT_WORD.finditer(s):
        w = m.group(0)
        if w in AGENT_ALIASES:
            starts.append((m.start(), m.end(), AGENT_ALIASES[w]))
        elif w == "FLAMSA":
            starts.append((m.start(), m.end(), "FLAMSA"))
        elif w not in NEUTRAL_WORDS:
            unknown.append(w)
    agents: list[AgentDose] = []
    for i, (_start, b, agent) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(s)
        seg = s[b:end]
        if agent == "FLAMSA":
            agents.append(AgentDose("FLAMSA"))
            continue
        agents.append(_segment_dose(agent, seg))
    if "AUC" in re.findall(r"[A-Z]+", s):
        agents = [AgentDose(x.agent, None, None, x.route, x.fractionation,
                            "busulfan dosed by target AUC") if x.agent == "BU" else x
                  for x in agents]
    dosed = {a.agent for a in agents if a.dose is not None}
    # a named form's undosed agent written again with its dose: keep the dosed one
    agents = [a for a in agents if a.dose is not None or a.agent not in dosed]
    words = set(re.findall(r"[A-Z]+", s))
    return RegimenReading(raw, tuple(agents), tuple(dict.fromkeys(unknown)),
                          any(x.agent == "FLAMSA" for x in agents),
                          bool(words & {"SEQUENTIAL", "SEQ"}))
