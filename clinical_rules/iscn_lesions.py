"""Classification of parsed abnormalities into the recurrent lesions of the ELN 2022 rules.

Lesion definitions: Döhner et al., Blood 2022;140:1345-77, Table 6 and footnotes (ELN 2022);
class-defining rearrangements: WHO 2022 (Khoury et al., Leukemia 2022;36:1703) and ICC 2022
(Arber et al., Blood 2022;140:1200); monosomal karyotype: Breems et al., JCO 2008;26:4791.

A recurrent rearrangement is recognised by its chromosomes and arm regions, not by one band
string (spec/clinical-rules.md, "What laboratories actually write"): band names changed between
ISCN editions and genome builds, so each recogniser accepts the bands the gene has been given
(RUNX1T1 is 8q22 in older and 8q21.3 in current nomenclature; PML 15q22 -> 15q24.1; RARA
17q12/q21 -> 17q21.2; MLLT3 9p22 -> 9p21.3; DEK 6p23 -> 6p22.3) and every sub-band of them.

Lesion sets are also handled as bit masks (``lesion_mask``/``resolve_mask``) so that lesions
found by FISH or RT-PCR can be merged with the karyotype's, vectorised, before the two
exclusions (complex and monosomal karyotype) are applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from clinical_rules.iscn_grammar import Abnormality, Segment, band_match

__all__ = [
    "ADVERSE_LESIONS",
    "CBF_LESIONS",
    "CLASS_DEFINING_LESIONS",
    "LESIONS",
    "LESION_BIT",
    "abnormality_lesions",
    "lesion_mask",
    "lesions_of_mask",
    "resolve_mask",
    "segment_lesions",
]

#: recurrent lesions recognised (flag column name -> description); ELN 2022 Table 6.
LESIONS: dict[str, str] = {
    "t_8_21": "t(8;21)(q22;q22.1)/RUNX1::RUNX1T1",
    "inv_16": "inv(16)(p13.1q22)/t(16;16)(p13.1;q22)/CBFB::MYH11",
    "t_9_11": "t(9;11)(p21.3;q23.3)/KMT2A::MLLT3",
    "t_6_9": "t(6;9)(p23.3;q34.1)/DEK::NUP214",
    "kmt2a_r": "t(v;11q23.3) KMT2A-rearranged (not t(9;11))",
    "t_9_22": "t(9;22)(q34.1;q11.2)/BCR::ABL1",
    "t_8_16": "t(8;16)(p11.2;p13.3)/KAT6A::CREBBP",
    "inv_3": "inv(3)(q21.3q26.2)/t(3;3)(q21.3;q26.2)/GATA2,MECOM",
    "mecom_r": "t(3q26.2;v) MECOM-rearranged",
    "minus_5_del_5q": "-5/del(5q)",
    "minus_7": "-7",
    "minus_17_abn_17p": "-17/abn(17p)",
    "t_15_17": "t(15;17)(q24.1;q21.2)/PML::RARA",
    "other_class_defining": "other WHO/ICC class-defining rearrangement",
    "complex_karyotype": "complex karyotype",
    "monosomal_karyotype": "monosomal karyotype",
}
LESION_BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(LESIONS)}

#: lesions that make the cytogenetics ELN 2022 adverse (Döhner 2022 Table 6).
ADVERSE_LESIONS: tuple[str, ...] = (
    "t_6_9", "kmt2a_r", "t_9_22", "t_8_16", "inv_3", "mecom_r", "minus_5_del_5q", "minus_7",
    "minus_17_abn_17p", "complex_karyotype", "monosomal_karyotype",
)
#: class-defining recurrent rearrangements that exclude "complex karyotype"
#: (Döhner 2022 Table 6 footnote; WHO 2022 / ICC 2022 AML with recurrent genetic abnormalities).
CLASS_DEFINING_LESIONS: tuple[str, ...] = (
    "t_15_17", "t_8_21", "inv_16", "t_9_11", "kmt2a_r", "t_6_9", "inv_3", "mecom_r", "t_9_22",
    "t_8_16", "other_class_defining",
)
#: core-binding-factor AML: excluded from the monosomal karyotype (Döhner 2022 Table 6).
CBF_LESIONS: tuple[str, ...] = ("t_8_21", "inv_16")

_T = ("t",)
_TI = ("t", "ins")
_REARR = ("t", "ins", "inv", "dic", "tas")
# the bands each gene has been written at (older ISCN editions and current ones)
_RUNX1T1 = ("q21", "q22")          # 8q22 -> 8q21.3
_RUNX1 = ("q22",)                  # 21q22 -> 21q22.12
_CBFB_MYH11 = ("p13", "q22")       # 16p13.1(1), 16q22(.1)
_MLLT3 = ("p21", "p22")            # 9p22 -> 9p21.3
_KMT2A = ("q23",)                  # 11q23 -> 11q23.3
_DEK = ("p22", "p23")              # 6p23 -> 6p22.3
_NUP214_ABL1 = ("q34",)            # 9q34(.1)
_BCR = ("q11",)                    # 22q11(.2/.23)
_PML = ("q22", "q23", "q24")       # 15q22 -> 15q24.1
_RARA = ("q11", "q12", "q21")      # 17q12/q21 -> 17q21.2
_GATA2 = ("q21",)                  # 3q21(.3)
_MECOM = ("q26",)                  # 3q26(.2)


def _is(seg: Segment, kinds: tuple[str, ...], *req: tuple[str, tuple[str, ...]]) -> bool:
    """``seg`` is of one of ``kinds`` and involves every (chromosome, band prefixes) pair."""
    if seg.kind not in kinds:
        return False
    chroms = list(seg.chromosomes)
    for chrom, prefixes in req:
        if chrom not in chroms:
            return False
        chroms.remove(chrom)  # t(16;16) needs 16 twice
        if not seg.involves(chrom, prefixes):
            return False
    return True


def _inv_one(seg: Segment, chrom: str, p1: tuple[str, ...], p2: tuple[str, ...]) -> bool:
    """``inv(chrom)(b1b2)`` with the two breakpoints in ``p1`` and ``p2``."""
    if seg.kind != "inv" or seg.chromosomes != (chrom,):
        return False
    bands = [b for _, b in seg.bands]
    if not bands:
        return True
    return any(band_match(b, p1) for b in bands) and any(band_match(b, p2) for b in bands)


def _t33(seg: Segment) -> bool:
    """t(3;3)(q21.3;q26.2) or ins(3;3): one breakpoint at GATA2 (3q21), one at MECOM (3q26)."""
    if seg.kind not in _TI or seg.chromosomes != ("3", "3"):
        return False
    bands = [b for _, b in seg.bands]
    if not bands:
        return True
    return any(band_match(b, _GATA2) for b in bands) and any(band_match(b, _MECOM) for b in bands)


def segment_lesions(seg: Segment) -> set[str]:
    """Recurrent rearrangements carried by one segment (ELN 2022 Table 6, any band edition)."""
    out: set[str] = set()
    if _is(seg, _TI, ("8", _RUNX1T1), ("21", _RUNX1)):
        out.add("t_8_21")
    if _inv_one(seg, "16", ("p13",), ("q22",)) or _is(
        seg, _TI, ("16", _CBFB_MYH11), ("16", _CBFB_MYH11)
    ):
        out.add("inv_16")
    t911 = _is(seg, _TI, ("9", _MLLT3), ("11", _KMT2A))
    if t911:
        out.add("t_9_11")
    if _is(seg, _T, ("6", _DEK), ("9", _NUP214_ABL1)):
        out.add("t_6_9")
    if not t911 and seg.kind in _REARR and seg.has_band("11", _KMT2A):
        out.add("kmt2a_r")
    if _is(seg, _T, ("9", _NUP214_ABL1), ("22", _BCR)):
        out.add("t_9_22")
    if _is(seg, _T, ("8", ("p11",)), ("16", ("p13",))):
        out.add("t_8_16")
    inv3 = _inv_one(seg, "3", _GATA2, _MECOM) or _t33(seg)
    if inv3:
        out.add("inv_3")
    elif seg.kind in _REARR and seg.has_band("3", _MECOM):
        out.add("mecom_r")
    if _is(seg, _T, ("15", _PML), ("17", _RARA)):
        out.add("t_15_17")
    if (
        _is(seg, _T, ("1", ("p13",)), ("22", ("q13",)))       # RBM15::MRTFA
        or _is(seg, _T, ("16", ("p11",)), ("21", ("q22",)))   # FUS::ERG
        or (seg.kind in _REARR and seg.has_band("11", ("p15",)))   # NUP98 rearrangements
    ):
        out.add("other_class_defining")
    return out


_UNBALANCED = ("del", "add", "der", "dic", "idic", "ider", "i", "r")


def _loses_arm(abn: Abnormality, chrom: str, arm: str) -> bool:
    """Unbalanced loss of (part of) arm ``chrom``/``arm`` by del, add, der, dic or an
    isochromosome of the other arm (``del(5q)``, ``i(17)(q10)``; Döhner 2022 Table 6)."""
    if abn.sign == "+" or not abn.segments:
        return False
    other = "p" if arm == "q" else "q"
    unbalanced = abn.kind in _UNBALANCED
    for seg in abn.segments:
        if chrom not in seg.chromosomes:
            continue
        if seg.kind in ("i", "idic", "ider") and (
            (chrom, other) in seg.arms and not seg.bands or seg.has_band(chrom, (f"{other}10",))
        ):
            return True
        for c, b in seg.bands:
            if c != chrom or not unbalanced:
                continue
            if b in ("p10", "q10"):  # whole-arm derivative: the named arm is the one kept
                if b[0] == other and len(seg.chromosomes) > 1:
                    return True
            elif b.startswith(arm):
                return True
        if unbalanced and (chrom, arm) in seg.arms and not seg.bands:
            return True
    return False


def _abn_17p(abn: Abnormality) -> bool:
    """abn(17p): any acquired structural abnormality with a 17p breakpoint, or loss of 17p."""
    if abn.sign == "+":
        return False
    if _loses_arm(abn, "17", "p"):
        return True
    return any(
        c == "17" and b.startswith("p") and b != "p10" for s in abn.segments for c, b in s.bands
    ) or any(("17", "p") in s.arms and s.kind not in ("i", "idic", "ider") for s in abn.segments)


_LOSS_LESION = {"5": "minus_5_del_5q", "7": "minus_7", "17": "minus_17_abn_17p"}


def abnormality_lesions(abn: Abnormality) -> set[str]:
    """Recurrent lesions one abnormality carries (rearrangements, -5/del(5q), -7, -17/abn(17p))."""
    found: set[str] = set()
    for seg in abn.units:
        found |= segment_lesions(seg)
    if abn.kind == "loss" and abn.chromosomes and abn.chromosomes[0] in _LOSS_LESION:
        found.add(_LOSS_LESION[abn.chromosomes[0]])
    if _loses_arm(abn, "5", "q"):
        found.add("minus_5_del_5q")
    if _abn_17p(abn):
        found.add("minus_17_abn_17p")
    return found


def complex_candidate(abnormalities: Sequence[Abnormality]) -> bool:
    """>= 3 unrelated abnormalities and not a hyperdiploid karyotype of >= 3 trisomies or
    polysomies without a structural abnormality (Döhner 2022 Table 6 footnote). The
    class-defining exclusion is applied by ``resolve_mask``."""
    if sum(a.count for a in abnormalities) < 3:
        return False
    structural = any(a.is_structural for a in abnormalities)
    gains = {a.chromosomes[0] for a in abnormalities if a.kind == "gain"}
    return structural or len(gains) < 3


def autosomal_monosomies(abnormalities: Iterable[Abnormality]) -> tuple[str, ...]:
    """Distinct autosomal monosomies (``-7``; not ``-X``/``-Y``), in order."""
    out: list[str] = []
    for a in abnormalities:
        chrom = a.chromosomes[0] if a.chromosomes else ""
        if a.kind == "loss" and chrom not in ("X", "Y") and chrom not in out:
            out.append(chrom)
    return tuple(out)


def monosomal_candidate(abnormalities: Sequence[Abnormality]) -> bool:
    """Monosomal karyotype (Breems 2008; Döhner 2022 Table 6): >= 2 autosomal monosomies, or
    one autosomal monosomy with >= 1 structural abnormality. CBF exclusion: ``resolve_mask``."""
    n_mono = len(autosomal_monosomies(abnormalities))
    return n_mono >= 2 or (n_mono == 1 and any(a.is_structural for a in abnormalities))


def lesion_mask(names: Iterable[str]) -> int:
    """Bit mask of lesion names (bits in ``LESIONS`` order)."""
    out = 0
    for n in names:
        out |= LESION_BIT[n]
    return out


def lesions_of_mask(mask: int) -> frozenset[str]:
    """Lesion names of a bit mask."""
    return frozenset(n for n, b in LESION_BIT.items() if mask & b)


_CLASS_BITS = lesion_mask(CLASS_DEFINING_LESIONS)
_CBF_BITS = lesion_mask(CBF_LESIONS)
_COMPLEX = LESION_BIT["complex_karyotype"]
_MONO = LESION_BIT["monosomal_karyotype"]


def resolve_mask(mask):  # noqa: ANN001, ANN201 - int or numpy int array
    """Apply the exclusions to a mask (int or numpy array) whose complex/monosomal bits are
    candidates: a class-defining rearrangement removes the complex karyotype, CBF-AML the
    monosomal karyotype (Döhner 2022 Table 6 footnotes)."""
    if isinstance(mask, np.ndarray):
        out = mask.astype(np.int64, copy=True)
        out[(out & _CLASS_BITS) != 0] &= ~_COMPLEX
        out[(out & _CBF_BITS) != 0] &= ~_MONO
        return out
    if mask & _CLASS_BITS:
        mask &= ~_COMPLEX
    if mask & _CBF_BITS:
        mask &= ~_MONO
    return mask
