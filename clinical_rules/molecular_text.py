"""Molecular results as laboratories write them, normalised before any ELN rule reads them.

Sources: spec/clinical-rules.md ("What laboratories actually write") and export-format.md
(mutations: gene, detected, variant free text, fusion rows); Döhner et al., Blood
2022;140:1345-77 (ELN 2022: FLT3-ITD, NPM1, bZIP in-frame CEBPA, TP53 VAF >= 10 %, fusions);
HGVS nomenclature (den Dunnen et al., Hum Mutat 2016;37:564) for protein and cDNA changes.

One row (gene, detected, variant) gives one ``MolecularCall``. The forms recognised:

==========================  ===========================================================
gene / variant as written   read as
==========================  ===========================================================
``RUNX1::RUNX1T1``,         a fusion (RT-PCR, fusion panel): the rearrangement, never a
``AML1-ETO``, ``MLL/AF9``,  mutation of its partner (``clinical_rules.fusions``); also a
``RUNX1`` + ``RUNX1::       partner gene's row whose variant names the fusion, and
RUNX1T1 fusion``            ``KMT2A``/``MECOM``/``CBFB`` + ``rearranged``/``split``
``FLT3`` + ``ITD``,         FLT3-ITD positive: ``ITD``, ``internal tandem duplication``,
``FLT3-ITD``                ``length mutation``, an allelic ratio (``AR 0.30``), an in-frame
                            duplication/insertion of the juxtamembrane region (codons
                            572-650)
``ITD negative``, ``no      FLT3-ITD negative (explicit); ``TKD``, ``D835``/``I836``/
ITD``, ``ITD-``             ``N841``/``Y842``, other point changes: not ITD
``CEBPA`` + ``bZIP in-      bZIP in-frame CEBPA: the words, or an HGVS in-frame insertion,
frame`` / ``p.K313dup``     deletion, duplication or missense change inside the bZIP
                            region, residues 278-345 (basic region and leucine zipper;
                            Taube et al., Blood 2022;139:87-103; ELN 2022 Table 6)
``detected`` + negative     contradiction: ``unknown`` for that gene, with the reason
words (``wild type``)
VAF in the text             ``VAF 23%``/``VAF 0.23`` when the vaf column is empty
==========================  ===========================================================

What cannot be read is ``unknown`` for that gene and the row's ``issue`` says why; nothing is
guessed in either direction.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd

from clinical_rules.fusions import (
    NO_ELN_LESION,
    REARRANGED_GENE_LESIONS,
    canonical_gene,
    parse_fusion,
)
from clinical_rules.iscn_grammar import parse_abnormality
from clinical_rules.iscn_lesions import segment_lesions

__all__ = [
    "BZIP_RESIDUES",
    "FLT3_ITD_CODONS",
    "MolecularCall",
    "cebpa_bzip_inframe",
    "flt3_itd_status",
    "normalise_mutation",
]

#: CEBPA basic region + leucine zipper (Taube et al., Blood 2022;139:87-103).
BZIP_RESIDUES: tuple[int, int] = (278, 345)
#: FLT3 juxtamembrane domain and the start of TKD1, where ITDs insert (exons 14-15).
FLT3_ITD_CODONS: tuple[int, int] = (572, 650)

# tri-state ranks (higher wins when several rows of a patient report the same thing)
#   FLT3-ITD: 0 not ITD (implicit: TKD / tested wild type), 1 unknown, 2 ITD negative
#   (explicit), 3 ITD positive.   CEBPA bZIP in-frame: 0 no, 1 unknown, 2 yes.
ITD_IMPLICIT_NEG, ITD_UNKNOWN, ITD_EXPLICIT_NEG, ITD_POS = 0, 1, 2, 3
BZIP_NO, BZIP_UNKNOWN, BZIP_YES = 0, 1, 2


@dataclass(frozen=True)
class MolecularCall:
    """What one mutation row says, normalised.

    ``gene``: the HGNC gene whose mutation status the row reports (None for a fusion row or an
    unreadable row); ``mutated``: True/False, None when unreadable. ``fusion``/``lesion``: the
    fusion and the cytogenetic lesion it is (``alternative``: other reading, a KMT2A
    rearrangement without partner may be t(9;11)); ``fusion_detected``. ``itd``/``bzip``: rank
    codes above (-1 when not FLT3/CEBPA). ``vaf_text``: VAF written in the text. ``issue``: why
    (part of) the row could not be read.
    """

    gene: str | None
    mutated: bool | None
    fusion: str | None = None
    lesion: str | None = None
    alternative: str | None = None
    fusion_detected: bool | None = None
    itd: int = -1
    bzip: int = -1
    vaf_text: float | None = None
    issue: str | None = None


_NEG_WORDS = re.compile(
    r"^\W*(?:n[eé]g\w*|not\s+detected|non[- ]?d[eé]tect[eé]e?|no\s+detectad[oa]|undetected|"
    r"nicht\s+nachgewiesen|wild[- ]?type|wt|absent[ea]?|ausente|type\s+sauvage|non\s+mut[eé]e?|"
    r"no\s+mutad[oa]|nicht\s+mutiert|"
    r"no\s+mutation(?:\s+detected)?|none(?:\s+detected)?|unmutated|not\s+mutated|normal|"
    r"no\s+variant(?:\s+detected)?)\W*$", re.I)
_POS_WORDS = re.compile(r"^\W*(?:pos(?:itive)?|detected|mutated|mutation|mut|present|yes|\+)"
                        r"\W*$", re.I)
_REARR_WORDS = re.compile(r"rearrang|\bsplit\b|break[- ]?apart|translocat|fusion|\br\b", re.I)

# --- FLT3 ---------------------------------------------------------------------------------
_ITD = r"(?:flt3[- ]?)?(?:itd|internal\s+tandem\s+duplications?|length\s+mutation|lm)"
#: negative words in the registries' languages (English, French, Spanish, German, Italian)
_NEG = (r"(?:n[eé]g\w*|not\s+(?:detected|found|present)|non[- ]?d[eé]tect[eé]e?|no\s+detectad[oa]"
        r"|nicht\s+nachgewiesen|absent[ea]?|ausente|wt|wild[- ]?type|undetected|none)")
_ITD_NEG = re.compile(
    rf"\b{_ITD}\s*[:=(]?\s*[-–]?\s*{_NEG}\b|\b{_ITD}\s*(?:\(-\)|[-–](?![\w.]))"
    rf"|\b{_ITD}\s*(?:/|,|\+|&|and|et|y|und)\s*tkd\d?\s*[:=(]?\s*[-–]?\s*{_NEG}\b"
    rf"|\btkd\d?\s*(?:/|,|\+|&|and|et|y|und)\s*{_ITD}\s*[:=(]?\s*[-–]?\s*{_NEG}\b"
    rf"|\b(?:no|without|absence\s+(?:of|d[e']\s*)|negative\s+for|neg\s+for|not|pas\s+d[e']"
    rf"|sin|ohne|sans)\s*(?:an?\s+)?{_ITD}\b",
    re.I)
_ITD_POS = re.compile(rf"\b{_ITD}\b", re.I)
_AR = re.compile(r"\b(?:ar|allelic\s+ratio|allele\s+ratio|itd\s+ratio|mutant[/:]wt\s+ratio|"
                 r"ratio)\s*[:=]?\s*[<>]?\s*\d", re.I)
_TKD = re.compile(r"\btkd\d?\b|\b(?:p\.\(?)?(?:d|asp)835|\b(?:p\.\(?)?(?:i|ile)836|"
                  r"\b(?:p\.\(?)?(?:n|asn)841|\b(?:p\.\(?)?(?:y|tyr)842|tyrosine\s+kinase\s+domain",
                  re.I)

# --- HGVS ---------------------------------------------------------------------------------
_AA = r"(?:[A-Z][a-z]{2}|[A-Z*])"
_P_CHANGE = re.compile(
    rf"p\.\(?({_AA})(\d+)(?:_({_AA})(\d+))?((?:delins|del|dup|ins|fs|ext)?[A-Za-z*=?]*\d*\*?\d*)")
_C_CHANGE = re.compile(r"c\.(\d+)(?:_(\d+))?(delins|del|dup|ins)([ACGTacgt]*|\d*)|"
                       r"c\.(\d+)([ACGT])>([ACGT])")
_VAF = re.compile(r"\b(?:vaf|af|allele\s+frequency|allelic\s+frequency|allele\s+burden)\s*[:=]?"
                  r"\s*(\d+(?:[.,]\d+)?)\s*(%)?", re.I)


def _protein_changes(text: str) -> list[tuple[int, int, str]]:
    """HGVS protein changes as (first codon, last codon, type) with type one of ``inframe``
    (del/dup/ins/delins), ``missense``, ``frameshift``, ``nonsense``, ``synonymous``, ``other``."""
    out = []
    for m in _P_CHANGE.finditer(text):
        p1 = int(m.group(2))
        p2 = int(m.group(4)) if m.group(4) else p1
        rest = m.group(5) or ""
        low = rest.lower()
        if "fs" in low:
            kind = "frameshift"
        elif low.startswith(("delins", "del", "dup", "ins")):
            kind = "inframe"
        elif low.startswith("ext"):
            kind = "other"
        elif rest in ("*", "Ter", "X") or rest.endswith("*"):
            kind = "nonsense"
        elif rest == "=":
            kind = "synonymous"
        elif re.fullmatch(r"[A-Z]|[A-Z][a-z]{2}", rest):
            kind = "missense"
        else:
            kind = "other"
        out.append((p1, p2, kind))
    return out


def _cdna_changes(text: str) -> list[tuple[int, int, str]]:
    """HGVS cDNA changes as (first codon, last codon, type): ``inframe``, ``frameshift`` or
    ``substitution`` (missense, nonsense or silent: the cDNA alone does not say)."""
    out = []
    for m in _C_CHANGE.finditer(text):
        if m.group(5):
            pos = int(m.group(5))
            out.append(((pos + 2) // 3, (pos + 2) // 3, "substitution"))
            continue
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        op, extra = m.group(3), m.group(4) or ""
        inserted = int(extra) if extra.isdigit() else len(extra)
        if op in ("del", "dup"):
            change = b - a + 1
        elif op == "ins":
            change = inserted
        else:  # delins
            change = inserted - (b - a + 1)
        if op == "ins" and not extra:
            kind = "other"
        else:
            kind = "inframe" if change % 3 == 0 else "frameshift"
        out.append(((a + 2) // 3, (b + 2) // 3, kind))
    return out


def _overlaps(p1: int, p2: int, region: tuple[int, int]) -> bool:
    return p1 <= region[1] and p2 >= region[0]


def flt3_itd_status(text: str) -> tuple[int, str | None]:
    """FLT3-ITD rank of a detected FLT3 row's variant text, and the reason when unknown."""
    t = text.strip()
    if not t:
        return ITD_UNKNOWN, None
    neg = bool(_ITD_NEG.search(t))
    rest = _ITD_NEG.sub(" ", t)
    pos = bool(_ITD_POS.search(rest) or _AR.search(rest))
    changes = _protein_changes(t) + _cdna_changes(t)
    itd_hgvs = any(k == "inframe" and _overlaps(a, b, FLT3_ITD_CODONS) and (a < 835 or b < 835)
                   for a, b, k in changes if k == "inframe")
    pos = pos or itd_hgvs
    if pos and neg:
        return ITD_UNKNOWN, f"FLT3 variant {text!r} says both ITD and no ITD"
    if pos:
        return ITD_POS, None
    if neg:
        return ITD_EXPLICIT_NEG, None
    if _TKD.search(t) or changes:
        return ITD_IMPLICIT_NEG, None
    return ITD_UNKNOWN, f"FLT3 variant {text!r} names neither ITD nor TKD"


def cebpa_bzip_inframe(text: str) -> tuple[int, str | None]:
    """bZIP in-frame rank of a detected CEBPA row's variant text, and the reason when unknown."""
    t = text.strip()
    if not t:
        return BZIP_UNKNOWN, None
    low = t.lower()
    words_inframe = re.search(r"in[- ]?frame|\binf\b|bzipinf|bzip[- ]inf|en\s+phase", low) \
        is not None
    bzip_word = "bzip" in low or "leucine zipper" in low or "c-terminal" in low
    non_bzip = re.search(r"(?:non|outside|not)[- ]?(?:the\s+)?bzip", low) is not None
    changes = _protein_changes(t) + _cdna_changes(t)
    if changes:
        verdicts = []
        for a, b, kind in changes:
            inside = _overlaps(a, b, BZIP_RESIDUES)
            if kind in ("inframe", "missense") and inside:
                verdicts.append(BZIP_YES)
            elif kind in ("substitution", "other") and inside:
                verdicts.append(BZIP_UNKNOWN)
            else:
                verdicts.append(BZIP_NO)
        best = max(verdicts)
        if best == BZIP_UNKNOWN:
            return best, f"CEBPA variant {text!r}: a bZIP change of unknown effect"
        return best, None
    if bzip_word and not non_bzip:
        if words_inframe:
            return BZIP_YES, None
        if re.search(r"frame\s*shift|\bfs\b|truncat|nonsense", low):
            return BZIP_NO, None
        return BZIP_UNKNOWN, f"CEBPA variant {text!r}: bZIP, in-frame not stated"
    if non_bzip or re.search(r"\btad\b|n[- ]?terminal|frame\s*shift|\bfs\b|truncat|nonsense|"
                             r"transactivation", low):
        return BZIP_NO, None
    if re.search(r"biallelic|bi-allelic|double|\bdm\b|\bbi\b", low):
        return BZIP_UNKNOWN, (f"CEBPA variant {text!r}: biallelic, bZIP in-frame not stated "
                              "(ELN 2022 needs the bZIP in-frame mutation)")
    return BZIP_UNKNOWN, f"CEBPA variant {text!r} does not say bZIP in-frame or not"


def _vaf_in_text(text: str) -> float | None:
    m = _VAF.search(text)
    if not m:
        return None
    value = float(m.group(1).replace(",", "."))
    return value / 100 if m.group(2) or value > 1 else value


def _split_gene(gene: str) -> tuple[str, str]:
    """``FLT3-ITD`` -> (``FLT3``, ``ITD``); ``NPM1 type A`` -> (``NPM1``, ``type A``)."""
    glued = re.fullmatch(r"\s*(FLT3)(ITD|TKD)\s*", gene, re.I)
    if glued:
        return "FLT3", glued.group(2)
    m = re.match(r"^\s*([A-Za-z][A-Za-z0-9/]*?)(?:\s*[-_ :]\s*(.*))?\s*$", gene)
    if not m:
        return canonical_gene(gene), ""
    head = m.group(1)
    tail = m.group(2) or ""
    return canonical_gene(head), tail


def _blank(x: object) -> bool:
    return x is None or (not isinstance(x, str) and bool(pd.isna(x))) or str(x).strip() == ""


@functools.lru_cache(maxsize=65536)
def _normalise_cached(gene: str, detected: bool, variant: str) -> MolecularCall:
    text = " ".join(t for t in (gene, variant) if t)
    fusion = parse_fusion(gene) or parse_fusion(variant)
    head, tail = _split_gene(gene)
    detail = " ".join(t for t in (tail, variant) if t)
    if fusion is None and head in REARRANGED_GENE_LESIONS and _REARR_WORDS.search(detail) \
            and not re.search(r"\bptd\b|partial\s+tandem", detail, re.I):
        lesion = REARRANGED_GENE_LESIONS[head]
        alt = "t_9_11" if head == "KMT2A" else lesion
        fusion = (f"{head} rearranged", lesion)
    else:
        alt = fusion[1] if fusion else None
    if fusion is None:
        fusion = _iscn_rearrangement(gene) or _iscn_rearrangement(variant)
        alt = fusion[1] if fusion else None
    if fusion is not None:
        name, lesion = fusion
        if not lesion:
            known = frozenset(name.split("::")) in NO_ELN_LESION
            issue = None if known else f"fusion {name} is not in the table of ELN fusions"
            return MolecularCall(None, None, name, None, None, None, issue=issue)
        if detected and _NEG_WORDS.search(_strip_names(detail)):
            return MolecularCall(None, None, name, lesion, alt, None,
                                 issue=f"{text!r}: detected, but the text says negative")
        return MolecularCall(None, None, name, lesion, alt, detected)
    if head in ("KMT2A",) and re.search(r"\bptd\b|partial\s+tandem", detail, re.I):
        return MolecularCall("KMT2A-PTD", detected)  # not a rearrangement, no ELN class
    vaf = _vaf_in_text(detail)
    if detected and detail and _NEG_WORDS.search(detail):
        return MolecularCall(head, None, vaf_text=vaf,
                             issue=f"{head} {variant!r}: detected, but the text says negative")
    itd = bzip = -1
    issue = None
    if head == "FLT3":
        tail_low = tail.lower()
        if not detected:
            itd = ITD_EXPLICIT_NEG if "itd" in tail_low else ITD_IMPLICIT_NEG
            if "tkd" in tail_low or re.search(r"d835", tail_low):
                itd = -1  # a TKD-only test says nothing about ITD
        elif "tkd" in tail_low or "d835" in tail_low:
            itd, issue = flt3_itd_status(variant) if variant else (-1, None)
            if itd == ITD_IMPLICIT_NEG:
                itd = -1
        elif "itd" in tail_low:
            itd, issue = flt3_itd_status(variant) if variant else (ITD_POS, None)
            if itd in (ITD_IMPLICIT_NEG, ITD_UNKNOWN) and not issue:
                itd = ITD_POS
        elif _POS_WORDS.search(variant or "") and variant:
            itd, issue = ITD_UNKNOWN, f"FLT3 {variant!r} names neither ITD nor TKD"
        else:
            itd, issue = flt3_itd_status(variant)
    elif head == "CEBPA":
        if not detected:
            bzip = BZIP_NO
        else:
            bzip, issue = cebpa_bzip_inframe(detail)
    return MolecularCall(head, detected, itd=itd, bzip=bzip, vaf_text=vaf, issue=issue)


def _iscn_rearrangement(text: str) -> tuple[str, str] | None:
    """A rearrangement written in ISCN in the gene or variant column (``t(8;21)``)."""
    m = re.search(r"\b((?:t|inv|ins)\([0-9xy;]+\)(?:\([pq0-9.;]+\))?)", text, re.I)
    if not m:
        return None
    abn = parse_abnormality(m.group(1).lower())
    lesions = set().union(*(segment_lesions(s) for s in abn.units)) if abn else set()
    if len(lesions) != 1:
        return None
    return m.group(1), lesions.pop()


def _strip_names(text: str) -> str:
    """The text with gene and fusion names removed (what is left says positive/negative)."""
    t = re.sub(r"[A-Za-z][A-Za-z0-9]*\s*(?:::|-|/|:)\s*[A-Za-z][A-Za-z0-9]*", " ", text)
    t = re.sub(r"\b(?:fusion|transcript|rearranged|rearrangement|by\s+rt-?pcr|rt-?pcr|"
               r"qpcr|pcr|fish)\b", " ", t, flags=re.I)
    return t


def normalise_mutation(gene: object, detected: object, variant: object = None) -> MolecularCall:
    """Normalise one mutation row (spec/clinical-rules.md, "What laboratories actually write").

    ``detected`` missing means the row reports nothing (``mutated`` None, no issue).
    """
    if _blank(gene):
        return MolecularCall(None, None)
    if detected is None or (not isinstance(detected, bool) and bool(pd.isna(detected))):
        return MolecularCall(canonical_gene(_split_gene(str(gene))[0]), None)
    var = "" if _blank(variant) else str(variant).strip()
    if not re.search(r"[A-Za-z0-9]", var):
        var = ""  # "-", "?", "." say nothing
    try:
        return _normalise_cached(str(gene).strip(), bool(detected), var)
    except (ValueError, IndexError, RecursionError):  # pragma: no cover - defensive
        return MolecularCall(None, None, issue=f"{gene!r} {variant!r} could not be read")
