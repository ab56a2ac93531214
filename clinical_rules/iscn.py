"""ISCN 2020 karyotype parser and the cytogenetic recognisers used by the ELN risk rules.

Source: ISCN 2020, An International System for Human Cytogenomic Nomenclature (McGowan-Jordan,
Hastings, Moore, eds.; Karger 2020), chapters 4 (normal karyotypes), 8 (chromosome
abnormalities) and 11 (neoplasia: clones, stemline/sideline, ``idem``/``sl``/``sdl``, ``cp``).
Lesion definitions: Döhner et al., Blood 2022;140:1345-77, Table 6 and its footnotes.

Design rules
------------
* ``parse_karyotype`` never raises: tokens it cannot interpret are returned in ``unparsed``
  (it reports instead of guessing) and every recogniser looks only at what was parsed.
* Abnormalities marked ``c`` (constitutional, e.g. ``+21c``, ``t(11;22)(q23;q11.2)c``) and the
  common pericentric ``inv(9)`` heteromorphisms (``inv(9)(p11-13q12-21)``) are kept but are
  not *acquired*: they never count for any risk rule.
* Abnormalities whose identity is questioned with a leading ``?`` (``?del(5)(q13q33)``) count
  as abnormalities (complex / monosomal counts) but never trigger a specific recurrent-lesion
  recogniser. A ``?`` only inside breakpoints or for a partner chromosome
  (``t(11;?)(q23;?)``) does not prevent recognition.
* Recognisers match chromosome and band *prefixes* (``q22`` matches ``q22``, ``q22.1``,
  ``q22.12``) so the older band names labs still write (``t(8;21)(q22;q22)``,
  ``t(9;11)(p22;q23)``) are recognised; missing breakpoints (``t(8;21)``) are accepted.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = [
    "ADVERSE_LESIONS",
    "CLASS_DEFINING_LESIONS",
    "FLAG_COLUMNS",
    "LESIONS",
    "Abnormality",
    "Clone",
    "Karyotype",
    "Segment",
    "parse_karyotype",
    "parse_karyotypes",
]

# --------------------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One ``kind(chromosomes)(breakpoints)`` unit, e.g. ``t(8;21)(q22;q22.1)`` (ISCN 2020 ch. 8).

    ``bands`` pairs each breakpoint with its chromosome: ``(("8", "q22"), ("21", "q22.1"))``.
    Short forms such as ``del(5q)`` give ``arms=(("5", "q"),)`` and no bands.
    """

    kind: str
    chromosomes: tuple[str, ...]
    bands: tuple[tuple[str, str], ...] = ()
    arms: tuple[tuple[str, str], ...] = ()

    def has_band(self, chrom: str, prefixes: tuple[str, ...]) -> bool:
        """True when a breakpoint on ``chrom`` starts with one of the band ``prefixes``."""
        return any(c == chrom and _band_match(b, prefixes) for c, b in self.bands)

    def involves(self, chrom: str, prefixes: tuple[str, ...]) -> bool:
        """True when ``chrom`` is involved with a matching (or unspecified) breakpoint."""
        if chrom not in self.chromosomes:
            return False
        own = [b for c, b in self.bands if c == chrom]
        if not own:  # "t(8;21)" without breakpoints, or "?" breakpoints
            return True
        return any(_band_match(b, prefixes) or b == "?" for b in own)


@dataclass(frozen=True)
class Abnormality:
    """One acquired or constitutional abnormality of a clone (ISCN 2020 ch. 8).

    ``kind`` is ``gain``/``loss`` (numerical), ``marker`` (``+mar``, ``+r``, ``dmin``) or the
    structural keyword of the first segment (``t``, ``inv``, ``del``, ``der``, ``i``, ``add``,
    ``dup``, ``ins``, ...). ``segments`` holds the structural description; a derivative lists the
    rearrangements that produced it after the ``der(...)`` segment.
    """

    text: str
    kind: str
    sign: str = ""
    chromosomes: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()
    constitutional: bool = False
    uncertain: bool = False
    count: int = 1

    @property
    def is_numerical(self) -> bool:
        """Whole-chromosome gain or loss (``+8``, ``-7``, ``-Y``)."""
        return self.kind in ("gain", "loss")

    @property
    def is_structural(self) -> bool:
        """Structural abnormality, markers and rings included (ISCN 2020 ch. 8.2-8.3)."""
        return not self.is_numerical

    @property
    def acquired(self) -> bool:
        """Not constitutional (``c``) and not a known heteromorphism."""
        return not self.constitutional

    @property
    def breakpoints(self) -> tuple[str, ...]:
        """All breakpoints as ``chromosome+band`` strings, e.g. ``("8q22", "21q22.1")``."""
        return tuple(f"{c}{b}" for s in self.segments for c, b in s.bands)

    @property
    def units(self) -> tuple[Segment, ...]:
        """The rearrangement segments (a ``der`` segment alone carries no rearrangement)."""
        return tuple(s for s in self.segments if s.kind != "der" or len(self.segments) == 1)


@dataclass(frozen=True)
class Clone:
    """One clone of a karyotype: modal number, sex chromosomes, abnormalities, cell count.

    ``abnormalities`` is the resolved list (``idem``/``sl``/``sdl`` expanded, ISCN 2020 11.1.4);
    ``own_abnormalities`` is what was written in this clone.
    """

    text: str
    modal: int | None = None
    modal_range: tuple[int, int] | None = None
    sex_chromosomes: str | None = None
    abnormalities: tuple[Abnormality, ...] = ()
    own_abnormalities: tuple[Abnormality, ...] = ()
    cells: int | None = None
    composite: bool = False
    inherits: str | None = None

    @property
    def acquired(self) -> tuple[Abnormality, ...]:
        """Acquired abnormalities of this clone."""
        return tuple(a for a in self.abnormalities if a.acquired)

    @property
    def is_normal(self) -> bool:
        """No acquired abnormality in this clone."""
        return not self.acquired


# --------------------------------------------------------------------------------------
# lesions
# --------------------------------------------------------------------------------------

#: recurrent lesions recognised (flag column name -> description); ELN 2022 Table 6.
LESIONS: dict[str, str] = {
    "t_8_21": "t(8;21)(q22;q22.1)",
    "inv_16": "inv(16)(p13.1q22)/t(16;16)(p13.1;q22)",
    "t_9_11": "t(9;11)(p21.3;q23.3)",
    "t_6_9": "t(6;9)(p23.3;q34.1)",
    "kmt2a_r": "t(v;11q23.3) KMT2A-rearranged (not t(9;11))",
    "t_9_22": "t(9;22)(q34.1;q11.2)",
    "t_8_16": "t(8;16)(p11.2;p13.3)",
    "inv_3": "inv(3)(q21.3q26.2)/t(3;3)(q21.3;q26.2)",
    "mecom_r": "t(3q26.2;v) MECOM-rearranged",
    "minus_5_del_5q": "-5/del(5q)",
    "minus_7": "-7",
    "minus_17_abn_17p": "-17/abn(17p)",
    "t_15_17": "t(15;17)(q24.1;q21.2)",
    "other_class_defining": "other WHO/ICC class-defining rearrangement",
    "complex_karyotype": "complex karyotype",
    "monosomal_karyotype": "monosomal karyotype",
}

#: lesions that make the cytogenetics ELN 2022 adverse (Döhner 2022 Table 6).
ADVERSE_LESIONS: tuple[str, ...] = (
    "t_6_9",
    "kmt2a_r",
    "t_9_22",
    "t_8_16",
    "inv_3",
    "mecom_r",
    "minus_5_del_5q",
    "minus_7",
    "minus_17_abn_17p",
    "complex_karyotype",
    "monosomal_karyotype",
)

#: class-defining recurrent rearrangements that exclude "complex karyotype"
#: (Döhner 2022 Table 6 footnote; WHO 2022 / ICC 2022 AML with recurrent genetic abnormalities).
CLASS_DEFINING_LESIONS: tuple[str, ...] = (
    "t_15_17",
    "t_8_21",
    "inv_16",
    "t_9_11",
    "kmt2a_r",
    "t_6_9",
    "inv_3",
    "mecom_r",
    "t_9_22",
    "t_8_16",
    "other_class_defining",
)

_CBF = ("t_8_21", "inv_16")
_LOSS_LESION = {"5": {"minus_5_del_5q"}, "7": {"minus_7"}, "17": {"minus_17_abn_17p"}}


def _band_match(band: str, prefixes: tuple[str, ...]) -> bool:
    return any(band == p or band.startswith(p + ".") for p in prefixes)


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
    """``inv(chrom)(b1b2)`` with the two breakpoints matching ``p1`` and ``p2``."""
    if seg.kind != "inv" or seg.chromosomes != (chrom,):
        return False
    bands = [b for _, b in seg.bands]
    if not bands:
        return True
    return any(_band_match(b, p1) for b in bands) and any(_band_match(b, p2) for b in bands)


_T = ("t",)
_TI = ("t", "ins")
_REARR = ("t", "ins", "inv", "dic", "tas")


def _segment_lesions(seg: Segment) -> set[str]:
    """Recurrent rearrangements carried by one segment (ELN 2022 Table 6 / ISCN band names)."""
    out: set[str] = set()
    if _is(seg, _T, ("8", ("q22",)), ("21", ("q22",))):
        out.add("t_8_21")
    if _inv_one(seg, "16", ("p13",), ("q22",)) or _is(
        seg, _T, ("16", ("p13", "q22")), ("16", ("p13", "q22"))
    ):
        out.add("inv_16")
    t911 = _is(seg, _TI, ("9", ("p21", "p22")), ("11", ("q23",)))
    if t911:
        out.add("t_9_11")
    if _is(seg, _T, ("6", ("p22", "p23")), ("9", ("q34",))):
        out.add("t_6_9")
    if not t911 and seg.kind in _REARR and seg.has_band("11", ("q23",)):
        out.add("kmt2a_r")
    if _is(seg, _T, ("9", ("q34",)), ("22", ("q11",))):
        out.add("t_9_22")
    if _is(seg, _T, ("8", ("p11",)), ("16", ("p13",))):
        out.add("t_8_16")
    inv3 = _inv_one(seg, "3", ("q21",), ("q26",)) or _is(
        seg, _T, ("3", ("q21", "q26")), ("3", ("q21", "q26"))
    )
    if inv3:
        out.add("inv_3")
    elif seg.kind in _REARR and seg.has_band("3", ("q26",)):
        out.add("mecom_r")
    if _is(seg, _T, ("15", ("q22", "q24")), ("17", ("q12", "q21"))):
        out.add("t_15_17")
    if (
        _is(seg, _T, ("1", ("p13",)), ("22", ("q13",)))
        or _is(seg, _T, ("16", ("p11",)), ("21", ("q22",)))
        or (seg.kind in _REARR and seg.has_band("11", ("p15",)))  # NUP98 rearrangements
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


# --------------------------------------------------------------------------------------
# karyotype
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Karyotype:
    """A parsed ISCN 2020 karyotype: clones, what could not be parsed, and derived flags.

    ``not_done``: empty/None/"not done"/"failed" (no informative metaphases).
    ``unparsed``: tokens that could not be interpreted (reported, never guessed).
    """

    text: str | None
    clones: tuple[Clone, ...] = ()
    unparsed: tuple[str, ...] = ()
    not_done: bool = False

    # --- basic facts ------------------------------------------------------------------
    @property
    def parsed(self) -> bool:
        """At least one clone was read and nothing was left unparsed."""
        return bool(self.clones) and not self.unparsed and not self.not_done

    @property
    def status(self) -> str:
        """``done`` (fully parsed), ``partial`` (some tokens unparsed) or ``not_done``."""
        if self.not_done:
            return "not_done"
        return "done" if self.parsed else "partial"

    @property
    def modal(self) -> int | None:
        """Chromosome number of the first clone (the stemline when abnormal, ISCN 11.1)."""
        return self.clones[0].modal if self.clones else None

    @property
    def sex_chromosomes(self) -> str | None:
        """Sex chromosomes written in the first clone that names them (e.g. ``XY``)."""
        return next((c.sex_chromosomes for c in self.clones if c.sex_chromosomes), None)

    @property
    def cells(self) -> int | None:
        """Total number of cells counted over the clones, when given."""
        counts = [c.cells for c in self.clones if c.cells is not None]
        return sum(counts) if counts else None

    @cached_property
    def acquired_abnormalities(self) -> tuple[Abnormality, ...]:
        """Acquired abnormalities deduplicated over clones (first occurrence order)."""
        seen: dict[str, Abnormality] = {}
        for clone in self.clones:
            for a in clone.acquired:
                seen.setdefault(a.text, a)
        return tuple(seen.values())

    @cached_property
    def constitutional_abnormalities(self) -> tuple[Abnormality, ...]:
        """Constitutional (``c``) abnormalities and heteromorphisms, deduplicated."""
        seen: dict[str, Abnormality] = {}
        for clone in self.clones:
            for a in clone.abnormalities:
                if not a.acquired:
                    seen.setdefault(a.text, a)
        return tuple(seen.values())

    @property
    def is_normal(self) -> bool:
        """Fully parsed with no acquired abnormality (constitutional variants allowed)."""
        return self.parsed and not self.acquired_abnormalities

    # --- counts -----------------------------------------------------------------------
    @cached_property
    def n_abnormalities(self) -> int:
        """Number of unrelated acquired abnormalities over all clones (ELN 2022 complex-karyotype
        count): distinct abnormalities, a polysomy (``+8,+8``) once, ``+2mar`` twice."""
        return sum(a.count for a in self.acquired_abnormalities)

    @cached_property
    def autosomal_monosomies(self) -> tuple[str, ...]:
        """Distinct acquired autosomal monosomies (``-7``; not ``-X``/``-Y``)."""
        out: list[str] = []
        for a in self.acquired_abnormalities:
            chrom = a.chromosomes[0] if a.chromosomes else ""
            if a.kind == "loss" and chrom not in ("X", "Y") and chrom not in out:
                out.append(chrom)
        return tuple(out)

    @cached_property
    def structural_abnormalities(self) -> tuple[Abnormality, ...]:
        """Acquired structural abnormalities (markers and rings included)."""
        return tuple(a for a in self.acquired_abnormalities if a.is_structural)

    @cached_property
    def n_gains(self) -> int:
        """Distinct chromosomes gained (trisomies/polysomies) among acquired abnormalities."""
        return len({a.chromosomes[0] for a in self.acquired_abnormalities if a.kind == "gain"})

    # --- recognisers ------------------------------------------------------------------
    @cached_property
    def lesions(self) -> frozenset[str]:
        """Recurrent lesions present (keys of ``LESIONS``), from acquired abnormalities only."""
        found: set[str] = set()
        for a in self.acquired_abnormalities:
            if a.uncertain:
                continue
            for seg in a.units:
                found |= _segment_lesions(seg)
            if a.kind == "loss":
                chrom = a.chromosomes[0]
                found |= _LOSS_LESION.get(chrom, set())
            if _loses_arm(a, "5", "q"):
                found.add("minus_5_del_5q")
            if _abn_17p(a):
                found.add("minus_17_abn_17p")
        if self.is_complex_given(found):
            found.add("complex_karyotype")
        if self.is_monosomal_given(found):
            found.add("monosomal_karyotype")
        return frozenset(found)

    def is_complex_given(self, lesions: Iterable[str]) -> bool:
        """ELN 2022 complex karyotype (Döhner 2022 Table 6 footnote): >= 3 unrelated
        abnormalities, no class-defining recurrent rearrangement, and not a hyperdiploid
        karyotype with >= 3 trisomies/polysomies and no structural abnormality."""
        if any(lesion in CLASS_DEFINING_LESIONS for lesion in lesions):
            return False
        if self.n_abnormalities < 3:
            return False
        return not (not self.structural_abnormalities and self.n_gains >= 3)

    def is_monosomal_given(self, lesions: Iterable[str]) -> bool:
        """Monosomal karyotype (Breems et al., JCO 2008;26:4791; Döhner 2022 Table 6): >= 2
        autosomal monosomies, or 1 autosomal monosomy + >= 1 structural abnormality; not CBF."""
        if any(lesion in _CBF for lesion in lesions):
            return False
        n_mono = len(self.autosomal_monosomies)
        return n_mono >= 2 or (n_mono == 1 and bool(self.structural_abnormalities))

    def has(self, lesion: str) -> bool:
        """True when ``lesion`` (a key of ``LESIONS``) is present."""
        return lesion in self.lesions

    @property
    def is_complex(self) -> bool:
        """ELN 2022 complex karyotype (see ``is_complex_given``)."""
        return "complex_karyotype" in self.lesions

    @property
    def is_monosomal(self) -> bool:
        """Monosomal karyotype (see ``is_monosomal_given``)."""
        return "monosomal_karyotype" in self.lesions

    @property
    def adverse_lesions(self) -> tuple[str, ...]:
        """ELN 2022 adverse cytogenetic lesions present, in Table 6 order."""
        return tuple(x for x in ADVERSE_LESIONS if x in self.lesions)

    @property
    def adverse_cytogenetics(self) -> bool:
        """Any ELN 2022 adverse cytogenetic lesion (Döhner 2022 Table 6)."""
        return bool(self.adverse_lesions)


# --------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------

_NOT_DONE = {
    "",
    "nd",
    "n/a",
    "na",
    "nan",
    "none",
    "not done",
    "notdone",
    "not performed",
    "failed",
    "failure",
    "no growth",
    "no metaphases",
    "no mitoses",
    "no metaphase",
    "no mitosis",
    "-",
    ".",
    "?",
    "unknown",
    "inconclusive",
}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"), "-")
_DASHES.update({ord("\u223c"): "~", ord("\uff5e"): "~", ord("\u02dc"): "~"})

_CHROM = r"(?:[1-9]|1[0-9]|2[0-2]|X|Y)"
_MODAL = re.compile(r"^(\d{1,3})(?:~(\d{1,3}))?(?:<(\d?)n>)?$")
_SEX = re.compile(r"^[XY]{1,5}c?$", re.I)
_NUM = re.compile(rf"^(\?)?([+-])({_CHROM}|x|y)(c?)(\?)?$")
_MARKER = re.compile(r"^(\?)?(\+)?(\d{1,2})?(?:~(\d{1,2}))?(mar|r|dmin)(\d*)(c?)$")
_CELLS = re.compile(r"^(cp)?(?:n=)?(\d{1,4})(?:cells?)?$")
_INHERIT = re.compile(r"^(idem|sl|sdl)(\d*)(?:x\d)?$")
_SEG = re.compile(r"([a-z]+)((?:\([^()]*\))+)")
_KINDS = {
    "t",
    "inv",
    "del",
    "der",
    "dup",
    "i",
    "idic",
    "dic",
    "ins",
    "add",
    "r",
    "trp",
    "qdp",
    "hsr",
    "tas",
    "rob",
    "fis",
    "ider",
    "tan",
    "psu",
    "trc",
    "fra",
}
_BAND = re.compile(r"[pq](?:ter|\d{1,2}(?:\.\d{1,3})?|\?)?|cen|\?")
_SEG_CHROM = re.compile(rf"^(?:{_CHROM}|\?|v)$")
_HETERO_INV9 = re.compile(r"^inv\(9\)\(p1[1-3](?:\.\d+)?q(?:1[1-3]|2[01])(?:\.\d+)?\)$")


def _normalise(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).translate(_DASHES)
    t = re.sub(r"\s*([,;/()\[\]~<>])\s*", r"\1", t.strip())
    return re.sub(r"\s+", ",", t)


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses/brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _parse_bands(part: str) -> list[str] | None:
    pos, bands = 0, []
    while pos < len(part):
        m = _BAND.match(part, pos)
        if not m or m.end() == pos:
            return None
        bands.append(m.group(0))
        pos = m.end()
    return bands


def _parse_segment(kind: str, groups: list[str]) -> Segment | None:
    if kind not in _KINDS:
        return None
    first = groups[0]
    arm_m = re.fullmatch(rf"({_CHROM})([pq])", first)
    if arm_m:  # short form del(5q), i(17q)
        if len(groups) > 1:
            return None
        chrom, arm = arm_m.groups()
        return Segment(kind, (chrom,), (), ((chrom, arm),))
    chroms = tuple(first.split(";"))
    if not all(_SEG_CHROM.match(c) for c in chroms):
        return None
    if len(groups) == 1:
        return Segment(kind, chroms)
    if len(groups) > 2:
        return None
    parts = groups[1].split(";")
    if len(parts) != len(chroms):
        return None
    bands: list[tuple[str, str]] = []
    arms: list[tuple[str, str]] = []
    for chrom, part in zip(chroms, parts, strict=True):
        parsed = _parse_bands(part)
        if parsed is None:
            return None
        for b in parsed:
            bands.append((chrom, b))
            if b[0] in "pq":
                arms.append((chrom, b[0]))
    return Segment(kind, chroms, tuple(bands), tuple(dict.fromkeys(arms)))


def _parse_structural(token: str) -> Abnormality | None:
    m = re.fullmatch(r"(\?)?([+-])?(\?)?(.+?)(c)?(?:x(\d))?(\?)?", token)
    if not m:
        return None
    q1, sign, q2, body, const, _mult, q3 = m.groups()
    pos, segs = 0, []
    while pos < len(body):
        sm = _SEG.match(body, pos)
        if not sm:
            return None
        groups = re.findall(r"\(([^()]*)\)", sm.group(2))
        seg = _parse_segment(sm.group(1), groups)
        if seg is None:
            return None
        segs.append(seg)
        pos = sm.end()
    if not segs:
        return None
    if segs[0].kind != "der" and len(segs) > 1:
        return None
    canonical = ("?" if q1 or q2 or q3 else "") + (sign or "") + body
    hetero = _HETERO_INV9.match(body) is not None and not sign
    return Abnormality(
        text=canonical,
        kind=segs[0].kind,
        sign=sign or "",
        chromosomes=segs[0].chromosomes,
        segments=tuple(segs),
        constitutional=bool(const) or hetero,
        uncertain=bool(q1 or q2 or q3),
    )


def _parse_abnormality(token: str) -> Abnormality | None:
    m = _NUM.match(token)
    if m:
        q1, sign, chrom, const, q2 = m.groups()
        chrom = chrom.upper()
        return Abnormality(
            text=("?" if q1 or q2 else "") + f"{sign}{chrom}",
            kind="gain" if sign == "+" else "loss",
            sign=sign,
            chromosomes=(chrom,),
            constitutional=bool(const),
            uncertain=bool(q1 or q2),
        )
    m = _MARKER.match(token)
    if m:
        q1, sign, lo, _hi, kind, num, const = m.groups()
        if kind == "r" and not sign:
            return None
        n = int(lo) if lo else 1
        if n == 0:
            return None
        text = f"+{kind}{num}" if kind != "dmin" else "dmin"
        return Abnormality(
            text=text,
            kind="marker",
            sign=sign or "",
            constitutional=bool(const),
            uncertain=bool(q1),
            count=1 if kind == "dmin" else n,
        )
    return _parse_structural(token)


def _parse_clone(text: str, previous: list[Clone], unparsed: list[str]) -> Clone | None:
    body, cells, composite = text, None, False
    bm = re.search(r"\[([^\[\]]*)\]$", body)
    if bm:
        body = body[: bm.start()]
        cm = _CELLS.match(bm.group(1).lower())
        if cm:
            composite, cells = bool(cm.group(1)), int(cm.group(2))
        else:
            unparsed.append(bm.group(0))
    tokens = [t for t in _split_top(body, ",") if t]
    if not tokens:
        return None if bm is None and not text else Clone(text=text, cells=cells)
    modal = modal_range = None
    sex = None
    inherits = None
    inherited: tuple[Abnormality, ...] = ()
    own: list[Abnormality] = []
    i = 0
    mm = _MODAL.match(tokens[0])
    if mm:
        lo = int(mm.group(1))
        hi = int(mm.group(2)) if mm.group(2) else lo
        modal, modal_range = lo, (lo, hi) if hi != lo else None
        i = 1
    if i < len(tokens) and _SEX.match(tokens[i]):
        tok = tokens[i]
        sex = tok.upper().replace("C", "")
        i += 1
    for tok in tokens[i:]:
        im = _INHERIT.match(tok)
        if im:
            which, num = im.group(1), im.group(2)
            ref: Clone | None = None
            if which in ("idem", "sl"):
                ref = previous[0] if previous else None
            elif num:
                k = int(num)
                ref = previous[k] if k < len(previous) else None
            else:
                ref = previous[-1] if previous else None
            if ref is None:
                unparsed.append(tok)
                continue
            inherits = tok
            inherited = ref.abnormalities
            sex = sex or ref.sex_chromosomes
            continue
        abn = _parse_abnormality(tok)
        if abn is None:
            unparsed.append(tok)
        else:
            own.append(abn)
    return Clone(
        text=text,
        modal=modal,
        modal_range=modal_range,
        sex_chromosomes=sex,
        abnormalities=inherited + tuple(own),
        own_abnormalities=tuple(own),
        cells=cells,
        composite=composite,
        inherits=inherits,
    )


@functools.lru_cache(maxsize=131072)
def _parse_cached(text: str) -> Karyotype:
    norm = _normalise(text)
    if norm.lower().replace(",", " ") in _NOT_DONE:
        return Karyotype(text=text, not_done=True)
    unparsed: list[str] = []
    parts = norm.split("//")
    if len(parts) > 1:  # chimerism: recipient first, donor after "//" (ISCN 2020 11.1.6)
        unparsed.extend("//" + p for p in parts[1:] if p)
    clones: list[Clone] = []
    for piece in _split_top(parts[0], "/"):
        if not piece:
            continue
        try:
            clone = _parse_clone(piece, clones, unparsed)
        except (ValueError, IndexError, RecursionError):  # pragma: no cover - defensive
            clone = None
            unparsed.append(piece)
        if clone is not None:
            clones.append(clone)
    if not clones and not unparsed:
        return Karyotype(text=text, not_done=True)
    return Karyotype(text=text, clones=tuple(clones), unparsed=tuple(unparsed))


def parse_karyotype(text: str | None) -> Karyotype:
    """Parse an ISCN 2020 karyotype string; never raises (ISCN 2020 ch. 4, 8, 11).

    Missing/empty text gives ``not_done=True``. Unreadable tokens go to ``unparsed``.
    """
    if text is None or not isinstance(text, str):
        try:
            missing = text is None or bool(pd.isna(text))
        except (TypeError, ValueError):
            missing = False
        if missing:
            return Karyotype(text=None, not_done=True)
        text = str(text)
    try:
        return _parse_cached(text)
    except Exception:  # noqa: BLE001 - the parser must never raise on lab text
        return Karyotype(text=text, unparsed=(text,))


#: columns of ``parse_karyotypes``.
FLAG_COLUMNS: tuple[str, ...] = (
    "karyotype_status",
    "karyotype_normal",
    "n_abnormalities",
    *LESIONS,
    "adverse_cytogenetics",
    "karyotype_unparsed",
)


def _flags(k: Karyotype) -> tuple:
    lesions = k.lesions
    return (
        k.status,
        k.is_normal,
        k.n_abnormalities,
        *(name in lesions for name in LESIONS),
        k.adverse_cytogenetics,
        " ".join(k.unparsed) if k.unparsed else None,
    )


def parse_karyotypes(series: pd.Series) -> pd.DataFrame:
    """Vectorised ``parse_karyotype``: each distinct string is parsed once; one row per input.

    Columns (``FLAG_COLUMNS``): ``karyotype_status`` (done/partial/not_done),
    ``karyotype_normal``, ``n_abnormalities``, one bool per ``LESIONS`` key,
    ``adverse_cytogenetics`` and ``karyotype_unparsed`` (text or None). Flags report what was
    found: False means "not found", which is only informative when the status is ``done``.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    rows = [_flags(parse_karyotype(u)) for u in uniques]
    rows.append(_flags(Karyotype(text=None, not_done=True)))  # code -1 -> missing
    table = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    take = np.where(codes < 0, len(uniques), codes)
    out = table.iloc[take].reset_index(drop=True)
    out.index = series.index
    return out
