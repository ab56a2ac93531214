"""HLA match text as laboratories write it, read into matched / typed loci and mismatches.

Source: ../shared/spec/clinical-rules.md ("Transplant variables": HLA text is read as
laboratories write it); locus sets of the usual match grades per the NMDP/CIBMTR and EBMT
conventions (8/8 = HLA-A, -B, -C, -DRB1; 10/10 adds -DQB1; 12/12 adds -DPB1; 6/6 = HLA-A,
-B, -DRB1). Pure Python: one reading per distinct text, no pandas in the parser.

What is read (``HLA_FORMS`` lists every form with an example) and what is not: a text that
cannot be read, or whose parts contradict each other, gives ``unknown`` with the reason;
nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Loci counted by each match grade (denominator); a mismatch elsewhere does not lower it.
COUNTED_LOCI: dict[int, frozenset[str]] = {
    6: frozenset({"A", "B", "DRB1"}),
    8: frozenset({"A", "B", "C", "DRB1"}),
    10: frozenset({"A", "B", "C", "DRB1", "DQB1"}),
    12: frozenset({"A", "B", "C", "DRB1", "DQB1", "DPB1"}),
}
#: Legacy locus names -> the typed locus (serological DR/DQ/DP/Cw = DRB1/DQB1/DPB1/C).
_LOCUS_ALIASES = {"A": "A", "B": "B", "C": "C", "CW": "C", "DR": "DRB1", "DRB1": "DRB1",
                  "DQ": "DQB1", "DQB1": "DQB1", "DP": "DPB1", "DPB1": "DPB1"}

#: (form, example, meaning): the table of recognised forms (documentation and tests).
HLA_FORMS: tuple[tuple[str, str, str], ...] = (
    ("ratio", "10/10, 9/10, 8/8, 7/8, 12/12, 6/6, 4/6, '10 of 10', '9 sur 10'",
     "matched / typed alleles"),
    ("ratio with mismatch note", "9/10 (DQB1 mm), 9/10 HLA-C antigen mismatch",
     "the ratio, mismatched locus and level; a mismatch outside the counted loci "
     "(DPB1 with 10/10, DQB1 with 8/8) does not lower the ratio"),
    ("mismatch ratio", "1/10 mm, 2/8 MM", "x mismatches of y when x < y/2 and mm follows"),
    ("haplo", "haplo, haploidentical, haplo-identical, 5/10 haplo",
     "haploidentical (half matched)"),
    ("identical", "identical, HLA-identical, geno-identical, pheno-identical, "
     "fully matched, full match, matched", "fully matched, ratio unknown"),
    ("named mismatches", "HLA-A mismatch, A and DRB1 mm, 1 Ag MM, one allele mismatch, "
     "2 antigen mismatches, A*02:01 mismatch", "the number of mismatches, their loci and level"),
)

_NUMBER_WORDS = {"ONE": 1, "SINGLE": 1, "TWO": 2, "DOUBLE": 2, "THREE": 3, "FOUR": 4,
                 "FIVE": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}
_RATIO = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:/|\bOF\b|\bSUR\b|\bDE\b|\bVON\b|\bAUF\b)\s*"
                    r"(\d{1,2})(?![\d.])")
_MM = r"(?:MM|MIS-?MATCH(?:ES|ED)?|INCOMPATIBILIT(?:Y|IES)|DISPARIT(?:Y|IES))"
_MM_WORD = re.compile(rf"\b{_MM}\b")
_HAPLO = re.compile(r"\bHAPLO(?:[\s-]?IDENTICAL|[\s-]?IDENT\.?|IDENTIQUE|IDENTISCH|IDENTICO)?\b")
_IDENTICAL = re.compile(
    r"\b(?:(?:HLA|GENO|PHENO|GENOTYPICALLY|PHENOTYPICALLY)[\s-]?)?(?:IDENTICAL|IDENTIQUE|"
    r"IDENTISCH|IDENTICO|ID)\b|\bFULL(?:Y)?[\s-]?MATCH(?:ED)?\b|(?<!MIS)(?<!MIS-)\bMATCHED\b"
    r"|\bFULL\b")
_LEVEL_ANTIGEN = re.compile(r"\b(?:AG|ANTIGEN(?:IC|S)?|SEROLOGICAL|LOW[\s-]?RES(?:OLUTION)?)\b")
_LEVEL_ALLELE = re.compile(r"\b(?:ALLELE(?:S)?|ALLELIC|HIGH[\s-]?RES(?:OLUTION)?)\b")
_COUNTED_MM = re.compile(
    rf"\b(ONE|SINGLE|TWO|DOUBLE|THREE|FOUR|FIVE|[1-6])\s*(?:X\s*)?(?:-\s*)?"
    rf"(?:(?:AG|ANTIGEN(?:IC)?|ALLELE|ALLELIC|LOCUS|LOCI)\s*)?(?:-\s*)?{_MM}\b")
_LOCUS_MULTI = re.compile(r"\b(?:HLA[\s-]?)?(DRB1|DQB1|DPB1|CW|DR|DQ|DP)(?:\*[\d:]+)?\b",
                          re.IGNORECASE)
#: single-letter loci only as written in capitals (labs write HLA-A, A*02:01, "A, B mm";
#: a lower-case "a" is the article: "a mismatch at C")
_LOCUS_SINGLE = re.compile(r"(?<![A-Za-z0-9])(A|B|C)(?![A-Za-z0-9])")
#: words that carry no match information (left over after the recognised parts)
_NEUTRAL_WORDS = frozenset({
    "HLA", "AT", "IN", "ON", "AND", "WITH", "LOCUS", "LOCI", "DONOR", "MATCH", "MATCHING",
    "COMPATIBLE", "COMPATIBILITY", "COMPAT", "TYPING", "TYPED", "GVH", "HVG", "DIRECTION",
    "BIDIRECTIONAL", "UNIDIRECTIONAL", "PERMISSIVE", "NON", "NONPERMISSIVE", "TCE", "X",
    "RES", "RESOLUTION", "HIGH", "LOW", "LEVEL", "AG", "ANTIGEN", "ANTIGENS", "ANTIGENIC",
    "ALLELE", "ALLELES", "ALLELIC", "SEROLOGICAL", "ONLY", "VS", "VERSUS", "NGS", "SSO",
    "SSP", "OF", "SUR", "DE", "VON", "AUF", "MM", "MISMATCH", "MISMATCHES", "MISMATCHED",
    "IDENTICAL", "ID", "HAPLO", "HAPLOIDENTICAL", "FULL", "FULLY", "MATCHED", "ONE", "TWO",
    "THREE", "FOUR", "FIVE", "SINGLE", "DOUBLE", "THE", "A", "B", "C", "CW", "DR", "DQ", "DP",
    "DRB1", "DQB1", "DPB1", "GENO", "PHENO", "IDENT", "IDENTIQUE", "IDENTISCH", "IDENTICO",
    "MIS", "INCOMPATIBILITY", "INCOMPATIBILITIES", "DISPARITY", "DISPARITIES", "UNRELATED",
    "RELATED", "SIBLING", "GENOTYPICALLY", "PHENOTYPICALLY", "DIFFERENCE",
})
_UNKNOWN_MARKERS = re.compile(r"^(?:\?+|N\.?D\.?|N\.?A\.?|NK|UNK(?:NOWN)?|NOT\s+(?:DONE|"
                              r"KNOWN|TYPED|AVAILABLE)|INCONNU|UNBEKANNT|DESCONOCIDO|-+)$")


@dataclass(frozen=True)
class HlaReading:
    """The reading of one written HLA match.

    ``matched``/``typed``: the ratio (None when not written); ``mismatches``: mismatched
    alleles or antigens at the counted loci (None when not known); ``haplo``: the text says
    haploidentical or is at most half matched; ``full_match``: True, False or None
    (unknown); ``unknown`` with ``reason`` when the text cannot be read or contradicts
    itself.
    """

    text: str
    matched: int | None = None
    typed: int | None = None
    mismatches: int | None = None
    mismatched_loci: tuple[str, ...] = ()
    level: str | None = None
    haplo: bool = False
    full_match: bool | None = None
    unknown: bool = False
    reason: str = ""
    haplo_written: bool = False

    @property
    def normalised(self) -> str | None:
        """Canonical text: "9/10", "haplo", "matched", "mismatched" (None when unknown)."""
        if self.unknown or self.full_match is None and not self.haplo and (
                self.mismatches is None):
            return None
        if self.typed:
            return f"{self.matched}/{self.typed}"
        if self.haplo:
            return "haplo"
        if self.full_match:
            return "matched"
        return f"{self.mismatches} mismatch" if self.mismatches else "mismatched"


def _unknown(text: str, reason: str) -> HlaReading:
    return HlaReading(text=text, unknown=True, reason=reason)


def _loci(s: str) -> list[str]:
    """Loci named in the text as written (case kept), in order of appearance, each once."""
    found: list[tuple[int, str]] = []
    for m in _LOCUS_MULTI.finditer(s):
        found.append((m.start(), _LOCUS_ALIASES[m.group(1).upper()]))
    for m in _LOCUS_SINGLE.finditer(s):
        found.append((m.start(), m.group(1)))
    out: list[str] = []
    for _, locus in sorted(found):
        if locus not in out:
            out.append(locus)
    return out


def read_hla_text(text: object) -> HlaReading | None:
    """Read one written HLA match (None for an empty value).

    Rule: clinical-rules.md "Transplant variables" (HLA text as laboratories write it);
    locus sets per NMDP/EBMT match grades (:data:`COUNTED_LOCI`). A ratio x/y is matched /
    typed (x mismatches of y when written ``x/y mm`` with x < y/2); mismatches named by locus
    or number lower the ratio only at the loci it counts; the parts must agree (a full
    ratio beside a counted-locus mismatch, or "haplo" beside a ratio better than half, is
    ``unknown``). Without a ratio, leftover words that carry meaning make it ``unknown``.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    raw = str(text).strip()
    if not raw:
        return None
    s = raw.upper().replace("–", "-").replace("—", "-").replace("½", "1/2")
    s = re.sub(r"\s+", " ", s)
    if _UNKNOWN_MARKERS.match(s):
        return _unknown(raw, "HLA match not reported")
    ratios = [(int(a), int(b)) for a, b in _RATIO.findall(s)]
    haplo_word = bool(_HAPLO.search(s))
    mm_word = bool(_MM_WORD.search(s))
    identical = bool(_IDENTICAL.search(_HAPLO.sub(" ", s)))
    level = ("allele" if _LEVEL_ALLELE.search(s) else
             "antigen" if _LEVEL_ANTIGEN.search(s) else None)
    loci = _loci(re.sub(r"\s+", " ", raw))
    counted = _COUNTED_MM.search(s)
    named_count = _NUMBER_WORDS[counted.group(1)] if counted else None

    first = _RATIO.search(s)
    if first is not None:
        a, b = ratios[0]
        if len({(x, y) for x, y in ratios if y == b}) > 1:
            return _unknown(raw, f"several different ratios ({', '.join(f'{x}/{y}' for x, y in ratios)})")
        if b == 0 or b > 12 or a > b:
            return _unknown(raw, f"{a}/{b} is not an HLA match ratio")
        if mm_word and 2 * a < b and _MM_WORD.match(s[first.end():].strip()):
            a = b - a                       # "1/10 mm": one mismatch of ten
        counted_set = COUNTED_LOCI.get(b)
        mm_loci = tuple(x for x in loci if counted_set is None or x in counted_set) \
            if mm_word else ()
        ratio_mm = b - a
        named = max(len(mm_loci), named_count or 0) if mm_word else 0
        if mm_word and counted_set is not None and named > ratio_mm:
            return _unknown(raw, f"the ratio {a}/{b} has {ratio_mm} mismatch(es) but the text "
                            f"names {named} at the loci it counts ({', '.join(mm_loci) or 'count'})")
        haplo = haplo_word or 2 * a <= b
        if haplo_word and a == b:
            return _unknown(raw, f"'haplo' beside the full match {a}/{b}")
        if identical and a < b:
            return _unknown(raw, f"'identical/matched' beside the mismatched ratio {a}/{b}")
        return HlaReading(raw, a, b, ratio_mm, mm_loci, level, haplo, a == b,
                          haplo_written=haplo_word)

    leftovers = set(re.findall(r"[A-Z][A-Z0-9]*", re.sub(r"\*[\d:]+", " ", s))) - _NEUTRAL_WORDS
    if leftovers:
        return _unknown(raw, "words not understood: " + ", ".join(sorted(leftovers)))
    if haplo_word:
        if identical and not re.search(r"HAPLO", s):
            return _unknown(raw, "both haploidentical and identical")
        return HlaReading(raw, None, None, None, tuple(loci) if mm_word else (), level, True,
                          False, haplo_written=True)
    if mm_word:
        n = max(len(loci), named_count or 0) or None
        return HlaReading(raw, None, None, n, tuple(loci), level, bool(n and n >= 5), False)
    if identical:
        return HlaReading(raw, None, None, 0, (), level, False, True)
    return _unknown(raw, "no match ratio, mismatch or haplo/identical statement")


def read_hla(values: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`read_hla_text` (one parse per distinct text), aligned on the index.

    Columns: hla_normalised, hla_matched, hla_typed, hla_mismatches, hla_haplo,
    hla_haplo_written, hla_full_match (boolean), hla_unknown (bool), hla_reason.
    """
    codes, uniques = pd.factorize(values.astype("object"))
    readings = [read_hla_text(u) for u in uniques]

    def col(get, default: object) -> np.ndarray:
        arr = np.array([default if r is None else get(r) for r in readings] + [default],
                       dtype=object)
        return arr[np.where(codes < 0, len(readings), codes)]

    out = pd.DataFrame(index=values.index)
    out["hla_normalised"] = col(lambda r: r.normalised, None)
    out["hla_matched"] = pd.array(col(lambda r: r.matched, None), dtype="Int64")
    out["hla_typed"] = pd.array(col(lambda r: r.typed, None), dtype="Int64")
    out["hla_mismatches"] = pd.array(col(lambda r: r.mismatches, None), dtype="Int64")
    out["hla_haplo"] = col(lambda r: r.haplo, False).astype(bool)
    out["hla_haplo_written"] = col(lambda r: r.haplo_written, False).astype(bool)
    out["hla_full_match"] = pd.array(col(lambda r: r.full_match, None), dtype="boolean")
    out["hla_unknown"] = col(lambda r: r.unknown, False).astype(bool)
    out["hla_reason"] = col(lambda r: r.reason or None, None)
    return out
