"""In situ hybridisation results appended to a karyotype (ISCN 2020 ch. 13) and what they show.

``46,XY[20].nuc ish(RUNX1T1,RUNX1)x3(RUNX1T1 con RUNX1x2)[180/200]``: the karyotype before the
period is parsed as usual; the FISH result is read here. Per spec/clinical-rules.md ("What
laboratories actually write") only a class-defining rearrangement counts: a fusion (``con``,
dual-fusion probes; RUNX1::RUNX1T1, CBFB::MYH11, PML::RARA, KMT2A::MLLT3, DEK::NUP214,
BCR::ABL1, GATA2/MECOM ...) or a split break-apart probe (``5'KMT2A sep 3'KMT2A``). Copy-number
changes seen by FISH (``EGR1x1``, ``D7Z1x1``, ``TP53x1``) are listed but not used: ELN 2022
counts -5/del(5q), -7 and -17/abn(17p) from the karyotype. A KMT2A split without a named partner
is KMT2A-rearranged with t(9;11) as the alternative reading (the ELN category differs).
A normal result (every probe x2, no fusion, no split) leaves a normal karyotype normal.
Microarray (``.arr``) results are listed, not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinical_rules.fusions import REARRANGED_GENE_LESIONS, canonical_gene, parse_fusion
from clinical_rules.iscn_grammar import parse_abnormality
from clinical_rules.iscn_lesions import segment_lesions

__all__ = ["FishResult", "parse_fish"]


@dataclass(frozen=True)
class FishResult:
    """One appended result: its method, what it shows, and what was listed but not used.

    ``lesions``: class-defining rearrangements shown; ``alternative``: lesions of the other
    reading when the result is ambiguous (KMT2A split, partner unknown -> ``t_9_11``);
    ``notes``: findings not used for risk and what could not be read.
    """

    method: str
    text: str
    lesions: frozenset[str] = frozenset()
    alternative: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    normal: bool = False
    readable: bool = True

    @property
    def written(self) -> str:
        """The result as it is written back after the karyotype (ISCN 2020 ch. 13)."""
        if self.method == "fish":
            return f" FISH {self.text}"
        return f".{self.method}{'' if self.text.startswith('(') else ' '}{self.text}"


_PROBE = r"(?:5'|3')?[A-Za-z][A-Za-z0-9]*?(?=(?-i:x)\d|[^A-Za-z0-9]|$)"
_CON = re.compile(rf"({_PROBE})(?:x\d)?\s+con\s+({_PROBE})", re.I)
_SEP = re.compile(rf"({_PROBE})(?:x\d)?\s+sep\s+({_PROBE})", re.I)
_COPY_GROUP = re.compile(r"\(([^()]*)\)x(\d)")
_COPY_ONE = re.compile(rf"({_PROBE})(?-i:x)(\d)")
_STRUCT = re.compile(r"(?:^|[\s,])((?:der|t|inv|ins|dic|del|add|dup|idic|i|r)\([^()]*\)(?:\([^()]*\))?)")
_POSITIVE = re.compile(r"\b(positive|pos|detected|present|rearranged|rearrangement|fusion"
                       r"|split|break[- ]?apart)\b|\+", re.I)
_NEGATIVE = re.compile(r"\b(negative|neg|not\s+detected|no\s+(?:\S+\s+)?(?:fusion|rearrangement)|absent"
                       r"|normal|wild[- ]?type)\b", re.I)


def _gene(probe: str) -> str:
    return canonical_gene(re.sub(r"^(?:5'|3')", "", probe))


def _rearranged(gene: str) -> tuple[set[str], set[str]]:
    lesion = REARRANGED_GENE_LESIONS.get(gene)
    if lesion is None:
        return set(), set()
    if gene == "KMT2A":
        return {"kmt2a_r"}, {"t_9_11"}
    return {lesion}, {lesion}


def _read_probes(method: str, text: str) -> FishResult:
    lesions: set[str] = set()
    alternative: set[str] = set()
    notes: list[str] = []
    found_any = False
    for m in _CON.finditer(text):
        found_any = True
        a, b = _gene(m.group(1)), _gene(m.group(2))
        if a == b:
            continue  # 5'X con 3'X: intact gene
        fusion = parse_fusion(f"{a}::{b}")
        if fusion and fusion[1]:
            lesions.add(fusion[1])
            alternative.add(fusion[1])
        else:
            notes.append(f"FISH fusion {a}::{b} is not a recognised class-defining fusion")
    for m in _SEP.finditer(text):
        found_any = True
        a, b = _gene(m.group(1)), _gene(m.group(2))
        if a != b:
            continue
        les, alt = _rearranged(a)
        if les:
            lesions |= les
            alternative |= alt
        else:
            notes.append(f"FISH split of {a}: partner not identified, not a recognised lesion")
    abnormal_copy = []
    has_structure = bool(_CON.search(text) or _SEP.search(text))
    for m in _COPY_GROUP.finditer(text):
        found_any = True
        for probe in re.split(r"[,\s]+", m.group(1)):
            if probe and m.group(2) != "2":
                abnormal_copy.append(f"{probe}x{m.group(2)}")
    for m in _COPY_ONE.finditer(re.sub(r"\([^()]*\)x\d", "", text)):
        found_any = True
        if m.group(2) != "2" and not re.search(rf"\bcon\s+{re.escape(m.group(0))}", text):
            abnormal_copy.append(m.group(0))
    if abnormal_copy and not has_structure:
        notes.append(f"FISH copy-number finding {', '.join(dict.fromkeys(abnormal_copy))} not "
                     "used (ELN 2022 counts losses and gains from the karyotype)")
    if method == "ish":
        for m in _STRUCT.finditer(" " + text):
            abn = parse_abnormality(m.group(1).lower())
            if abn is None:
                continue
            found_any = True
            shown = set().union(*(segment_lesions(seg) for seg in abn.units))
            lesions |= shown
            alternative |= shown
            if not shown:
                notes.append(f"metaphase FISH {m.group(1)} not used (not a class-defining "
                             "rearrangement)")
    if not found_any:
        return FishResult(method, text, notes=(f"{method} result not read: {text!r}",),
                          readable=False)
    normal = not lesions and not abnormal_copy and not notes
    return FishResult(method, text, frozenset(lesions), frozenset(alternative), tuple(notes),
                      normal)


def _read_words(text: str) -> FishResult:
    """``FISH: RUNX1::RUNX1T1 positive`` / ``FISH KMT2A rearranged`` / ``FISH negative``."""
    fusion = parse_fusion(text)
    negative = bool(_NEGATIVE.search(text))
    positive = bool(_POSITIVE.search(text))
    if fusion and fusion[1] and positive and not negative:
        return FishResult("fish", text, frozenset({fusion[1]}), frozenset({fusion[1]}))
    for m in re.finditer(r"(?<!no )(?<!negative for )(?<!without )\b([A-Za-z][A-Za-z0-9]+)"
                         r"\W{0,3}(?:gene\s+)?(?:rearrang\w*|split|break[- ]?apart)\b"
                         r"(?!\W{0,3}(?:neg|not|absent))", text, re.I):
        gene = canonical_gene(m.group(1))
        if gene in REARRANGED_GENE_LESIONS:
            les, alt = _rearranged(gene)
            return FishResult("fish", text, frozenset(les), frozenset(alt))
    if negative and not re.search(r"\b(?:positive|pos|present)\b|(?<!not )\bdetected\b|\+",
                                  text, re.I):
        return FishResult("fish", text, normal=True)
    if "(" in text:
        return _read_probes("nuc ish", text)
    return FishResult("fish", text, notes=(f"FISH result not read: {text!r}",), readable=False)


def parse_fish(method: str, text: str) -> FishResult:
    """Read one appended in-situ (``nuc ish``/``ish``), word (``fish``) or array result."""
    if method == "arr":
        return FishResult(method, text, notes=(f"microarray result not used: arr {text}",))
    try:
        if method == "fish":
            return _read_words(text)
        return _read_probes(method, text)
    except (ValueError, IndexError, RecursionError):  # pragma: no cover - defensive
        return FishResult(method, text, notes=(f"{method} result not read: {text!r}",),
                          readable=False)
