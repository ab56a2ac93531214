"""ISCN 2020 grammar: text normalisation, the karyotype/in-situ split and single abnormalities.

Source: ISCN 2020, An International System for Human Cytogenomic Nomenclature (McGowan-Jordan,
Hastings, Moore, eds.; Karger 2020): ch. 4 (karyotype designation, ``mos``/``chi``), ch. 6
(bands, ``~`` intervals, ``?`` uncertainty), ch. 8 (numerical and structural abnormalities,
``c`` constitutional, markers, rings, ``dmin``/``hsr``), ch. 13 (in situ hybridisation appended
after a period: ``.ish``, ``.nuc ish``) and ch. 14 (microarray ``.arr``).

Every abnormality keeps ``written``, the normalised token, so that a parsed karyotype is written
back without loss; ``text`` is the key used to compare abnormalities between clones (``+2mar``
-> ``+mar``, ``+21c`` -> ``+21``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Abnormality",
    "Segment",
    "band_match",
    "normalise_karyotype_text",
    "parse_abnormality",
    "split_suffixes",
    "split_top",
]


@dataclass(frozen=True)
class Segment:
    """One ``kind(chromosomes)(breakpoints)`` unit, e.g. ``t(8;21)(q22;q22.1)`` (ISCN 2020 ch. 8).

    ``bands`` pairs each breakpoint with its chromosome: ``(("8", "q22"), ("21", "q22.1"))``; a
    breakpoint written as an interval (``q13~q15``) keeps the interval. Short forms such as
    ``del(5q)`` give ``arms=(("5", "q"),)`` and no bands.
    """

    kind: str
    chromosomes: tuple[str, ...]
    bands: tuple[tuple[str, str], ...] = ()
    arms: tuple[tuple[str, str], ...] = ()

    def has_band(self, chrom: str, prefixes: tuple[str, ...]) -> bool:
        """True when a breakpoint on ``chrom`` lies in one of the bands ``prefixes``."""
        return any(c == chrom and band_match(b, prefixes) for c, b in self.bands)

    def involves(self, chrom: str, prefixes: tuple[str, ...]) -> bool:
        """True when ``chrom`` is involved with a matching (or unspecified/``?``) breakpoint."""
        if chrom not in self.chromosomes:
            return False
        own = [b for c, b in self.bands if c == chrom]
        if not own:  # "t(8;21)" without breakpoints
            return True
        return any(band_match(b, prefixes) or _unspecified(b, prefixes) for b in own)


@dataclass(frozen=True)
class Abnormality:
    """One acquired or constitutional abnormality of a clone (ISCN 2020 ch. 8).

    ``kind`` is ``gain``/``loss`` (numerical), ``marker`` (``+mar``, ``+r``, ``dmin``) or the
    structural keyword of the first segment (``t``, ``inv``, ``del``, ``der``, ``i``, ``add``,
    ...). A derivative lists the rearrangements that produced it after the ``der`` segment.
    ``uncertain``: the identity is questioned with ``?`` (``?del(5)(q13q33)``, ``+?13``).
    """

    text: str
    kind: str
    sign: str = ""
    chromosomes: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()
    constitutional: bool = False
    uncertain: bool = False
    count: int = 1
    written: str = ""

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


def _unspecified(band: str, prefixes: tuple[str, ...]) -> bool:
    """``?`` or ``q?`` (band not identified, arm matching) leaves the recogniser undecided in
    favour of the chromosomes written (ISCN 2020 ch. 6: ``?`` questioned band)."""
    return band == "?" or (len(band) == 2 and band[1] == "?" and
                           any(p.startswith(band[0]) for p in prefixes))


def band_match(band: str, prefixes: tuple[str, ...]) -> bool:
    """``band`` (or one end of a ``~`` interval) is one of ``prefixes`` or a sub-band of it.

    ``q22`` matches ``q22``, ``q22.1`` and ``q22.12``; ``q2?`` matches nothing specific.
    """
    return any(
        b == p or b.startswith(p + ".") for b in band.split("~") for p in prefixes
    )


# --------------------------------------------------------------------------------------
# text normalisation and the in-situ / microarray suffixes
# --------------------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"), "-")
_DASHES.update({ord("\u223c"): "~", ord("\uff5e"): "~", ord("\u02dc"): "~",
                ord("\u2019"): "'", ord("\u2032"): "'", ord("\u00a0"): " "})
#: where an appended result starts: ISCN 2020 writes ".ish", ".nuc ish", ".arr"; laboratories
#: also write the same after a space or semicolon, or "FISH:" in words.
_SUFFIX = re.compile(r"(?:^|(?<=[\s.;,\]]))(nuc\s*ish|ish|arr|fish)(?=[\s(\[:]|$)", re.I)


def split_suffixes(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split ``46,XY[20].nuc ish(RUNX1T1,RUNX1)x2[200]`` into the karyotype and its suffixes.

    Returns (karyotype text, ((method, text), ...)) with method ``nuc ish``, ``ish``, ``arr`` or
    ``fish`` (results described in words). ISCN 2020 ch. 13-14.
    """
    t = unicodedata.normalize("NFKC", text).translate(_DASHES)
    starts = [m for m in _SUFFIX.finditer(t)]
    if not starts:
        return t, ()
    head = t[: starts[0].start()].rstrip(" .;,")
    parts = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(t)
        method = re.sub(r"\s+", " ", m.group(1).lower()).replace("nucish", "nuc ish")
        parts.append((method, t[m.end(): end].strip(" .;,:")))
    return head, tuple(parts)


def normalise_karyotype_text(text: str) -> str:
    """Unicode, dashes and whitespace normalised; spaces between tokens become commas."""
    t = unicodedata.normalize("NFKC", text).translate(_DASHES)
    t = re.sub(r"\s*([,;/()\[\]~<>])\s*", r"\1", t.strip().rstrip(".").strip())
    return re.sub(r"\s+", ",", t)


def split_top(text: str, sep: str) -> list[str]:
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


# --------------------------------------------------------------------------------------
# abnormalities
# --------------------------------------------------------------------------------------

_CHROM = r"(?:[1-9]|1[0-9]|2[0-2]|x|y)"
_NUM = re.compile(rf"^(\?)?([+-])(\?)?({_CHROM})(c)?(\?)?(?:x([2-9]))?$")
_MARKER = re.compile(r"^(\?)?(\+)?(\?)?(\d{1,2})?(?:~(\d{1,2}))?(mar|r|dmin)(\d*)(c)?$")
_SEG = re.compile(r"([a-z]+)((?:\([^()]*\))+)")
_KINDS = frozenset({
    "t", "inv", "del", "der", "dup", "i", "idic", "dic", "ins", "add", "r", "trp", "qdp", "hsr",
    "tas", "rob", "fis", "ider", "tan", "psu", "trc", "fra", "inc", "ring",
})
_BAND_ATOM = r"(?:[pq](?:ter|\d{1,2}(?:\.\d{1,3})?\??|\d\?|\?)?|cen|\?)"
_BAND = re.compile(rf"{_BAND_ATOM}(?:~{_BAND_ATOM})*")
_SEG_CHROM = re.compile(rf"^(?:{_CHROM}|\?|v)$")
_HETERO_INV9 = re.compile(r"^inv\(9\)\(p1[1-3](?:\.\d+)?q(?:1[1-3]|2[01])(?:\.\d+)?\)$")


def _chrom(c: str) -> str:
    return c.upper() if c in ("x", "y") else c


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
    if kind not in _KINDS or kind == "inc":
        return None
    first = groups[0]
    arm_m = re.fullmatch(rf"({_CHROM})([pq])", first)
    if arm_m:  # short form del(5q), i(17q)
        if len(groups) > 1:
            return None
        chrom, arm = _chrom(arm_m.group(1)), arm_m.group(2)
        return Segment(kind, (chrom,), (), ((chrom, arm),))
    raw = first.split(";")
    if not all(_SEG_CHROM.match(c) for c in raw):
        return None
    chroms = tuple(_chrom(c) for c in raw)
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
    m = re.fullmatch(r"(\?)?([+-])?(\?)?(.+?)(c)?(?:x([2-9]))?(\?)?", token)
    if not m:
        return None
    q1, sign, q2, body, const, mult, q3 = m.groups()
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
    if not segs or (segs[0].kind != "der" and len(segs) > 1):
        return None
    uncertain = bool(q1 or q2 or q3)
    canonical = ("?" if uncertain else "") + (sign or "") + body
    hetero = _HETERO_INV9.match(body) is not None and not sign
    return Abnormality(
        text=canonical,
        kind=segs[0].kind,
        sign=sign or "",
        chromosomes=segs[0].chromosomes,
        segments=tuple(segs),
        constitutional=bool(const) or hetero,
        uncertain=uncertain,
        written=_upper_chroms(token),
    )


def _upper_chroms(token: str) -> str:
    """Write X and Y in upper case in the chromosome groups of a lower-cased structural token
    (``der(x)t(x;5)(p11;q31)`` -> ``der(X)t(X;5)(p11;q31)``, ``del(xq)`` -> ``del(Xq)``)."""

    def group(m: re.Match[str]) -> str:
        parts = [p[0].upper() + p[1:] if re.fullmatch(r"[xy][pq]?", p) else p
                 for p in m.group(2).split(";")]
        return f"{m.group(1)}({';'.join(parts)})"

    return re.sub(r"([a-z]+)\(([^()]*)\)", group, token)


def parse_abnormality(token: str) -> Abnormality | None:
    """One comma-separated abnormality (lower-cased token) or None when it is not ISCN."""
    m = _NUM.match(token)
    if m:
        q1, sign, q2, chrom, const, q3, _mult = m.groups()
        chrom = _chrom(chrom)
        uncertain = bool(q1 or q2 or q3)
        written = token[: m.start(4)] + chrom + token[m.end(4):]
        return Abnormality(
            text=f"{sign}{'?' if uncertain else ''}{chrom}",
            kind="gain" if sign == "+" else "loss",
            sign=sign,
            chromosomes=(chrom,),
            constitutional=bool(const),
            uncertain=uncertain,
            written=written,
        )
    m = _MARKER.match(token)
    if m:
        q1, sign, q2, lo, _hi, kind, num, const = m.groups()
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
            uncertain=bool(q1 or q2),
            count=1 if kind == "dmin" else n,
            written=token,
        )
    return _parse_structural(token)
