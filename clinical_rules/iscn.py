"""ISCN 2020 karyotype parser and the cytogenetic recognisers used by the ELN risk rules.

Source: ISCN 2020, An International System for Human Cytogenomic Nomenclature (McGowan-Jordan,
Hastings, Moore, eds.; Karger 2020), ch. 4, 8, 11, 13; lesion definitions: Döhner et al.,
Blood 2022;140:1345-77, Table 6 and footnotes. The grammar is split by responsibility:
``iscn_grammar`` (normalisation, suffix split, single abnormalities), ``iscn_clones`` (clones,
``idem``/``sl``/``sdl``, the clone-size rule), ``iscn_fish`` (appended in-situ results) and
``iscn_lesions`` (recurrent lesions, complex and monosomal karyotype).

Design rules
------------
* ``parse_karyotype`` never raises: tokens it cannot interpret are returned in ``unparsed``
  (it reports instead of guessing) and every recogniser looks only at what was parsed.
* ``mos`` / ``chi`` prefixes are read; donor cells after ``//`` (chimera) are parsed but are not
  the patient's leukaemia and count for nothing. Under ``mos`` the abnormalities still count
  as acquired unless marked ``c`` (laboratories write ``mos`` for a mosaic of marrow clones;
  a constitutional change is marked ``c``).
* A change in fewer cells than a clone needs (ISCN 2020 11.1.1: >= 2 cells for a gain or a
  structural change, >= 3 for a loss) is kept in ``nonclonal`` and counts for no rule.
* Abnormalities marked ``c`` (constitutional) and the pericentric ``inv(9)`` heteromorphisms are
  kept but are not *acquired*: they never count for any risk rule.
* An abnormality questioned with ``?`` (``?del(5)(q13q33)``, ``+?13``) counts as an
  abnormality (complex / monosomal counts) and its lesion is an *alternative* reading:
  ``lesions`` is the karyotype without it, ``alternative_lesions`` with it; a rule whose answer
  differs between the two readings answers ``unknown``. A ``?`` only inside breakpoints or for
  a partner chromosome (``t(11;?)(q23;?)``) does not prevent recognition.
* In situ results after the karyotype (``.nuc ish``, ``.ish``, words after ``FISH``) are read by
  ``iscn_fish``: a class-defining fusion or split counts as that rearrangement; other findings
  are listed in ``notes``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from clinical_rules.iscn_clones import Clone, clonal_texts, parse_clone
from clinical_rules.iscn_fish import FishResult, parse_fish
from clinical_rules.iscn_grammar import (
    Abnormality,
    Segment,
    normalise_karyotype_text,
    split_suffixes,
    split_top,
)
from clinical_rules.iscn_lesions import (
    ADVERSE_LESIONS,
    CLASS_DEFINING_LESIONS,
    LESION_BIT,
    LESIONS,
    abnormality_lesions,
    autosomal_monosomies,
    complex_candidate,
    lesion_mask,
    lesions_of_mask,
    monosomal_candidate,
    resolve_mask,
)

__all__ = [
    "ADVERSE_LESIONS",
    "CLASS_DEFINING_LESIONS",
    "FLAG_COLUMNS",
    "LESIONS",
    "Abnormality",
    "Clone",
    "FishResult",
    "Karyotype",
    "Segment",
    "parse_karyotype",
    "parse_karyotypes",
]

_KMT2A_EITHER = lesion_mask(("t_9_11", "kmt2a_r"))


@dataclass(frozen=True)
class Karyotype:
    """A parsed ISCN 2020 karyotype: clones, in-situ results, what could not be parsed.

    ``not_done``: empty/None/"not done"/"failed" (no informative metaphases; an appended FISH
    result may still be present). ``unparsed``: karyotype tokens that could not be interpreted.
    """

    text: str | None
    clones: tuple[Clone, ...] = ()
    unparsed: tuple[str, ...] = ()
    not_done: bool = False
    prefix: str = ""
    donor_clones: tuple[Clone, ...] = ()
    fish: tuple[FishResult, ...] = ()

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
    def _clonality(self) -> tuple[set[str], set[str]]:
        return clonal_texts(self.clones)

    @cached_property
    def acquired_abnormalities(self) -> tuple[Abnormality, ...]:
        """Clonal acquired abnormalities deduplicated over clones (first occurrence order)."""
        clonal = self._clonality[0]
        seen: dict[str, Abnormality] = {}
        for clone in self.clones:
            for a in clone.acquired:
                if a.text in clonal:
                    seen.setdefault(a.text, a)
        return tuple(seen.values())

    @property
    def nonclonal(self) -> tuple[str, ...]:
        """Acquired changes seen in too few cells to be a clone (ISCN 2020 11.1.1)."""
        return tuple(sorted(self._clonality[1]))

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
        """Fully parsed with no clonal acquired abnormality (constitutional variants and
        non-clonal single cells allowed); an appended FISH result does not change it."""
        return self.parsed and not self.acquired_abnormalities

    @property
    def notes(self) -> tuple[str, ...]:
        """What was read but not used, and appended results that could not be read."""
        out = [f"non-clonal {t} (below the ISCN clone size) not counted" for t in self.nonclonal]
        if self.donor_clones:
            out.append("donor cells after // (chimera) not counted")
        for f in self.fish:
            out.extend(f.notes)
        return tuple(out)

    # --- counts -----------------------------------------------------------------------
    @cached_property
    def n_abnormalities(self) -> int:
        """Number of unrelated clonal acquired abnormalities (ELN 2022 complex-karyotype
        count): distinct abnormalities, a polysomy (``+8,+8``) once, ``+2mar`` twice."""
        return sum(a.count for a in self.acquired_abnormalities)

    @cached_property
    def autosomal_monosomies(self) -> tuple[str, ...]:
        """Distinct clonal autosomal monosomies (``-7``; not ``-X``/``-Y``), certain ones."""
        return autosomal_monosomies(a for a in self.acquired_abnormalities if not a.uncertain)

    @cached_property
    def structural_abnormalities(self) -> tuple[Abnormality, ...]:
        """Clonal acquired structural abnormalities (markers and rings included)."""
        return tuple(a for a in self.acquired_abnormalities if a.is_structural)

    @cached_property
    def n_gains(self) -> int:
        """Distinct chromosomes gained among clonal acquired abnormalities."""
        return len({a.chromosomes[0] for a in self.acquired_abnormalities if a.kind == "gain"})

    # --- recognisers ------------------------------------------------------------------
    @cached_property
    def raw_masks(self) -> tuple[int, int]:
        """(primary, alternative) lesion bit masks before the complex/monosomal exclusions."""
        primary = alternative = 0
        acquired = self.acquired_abnormalities
        for a in acquired:
            bits = lesion_mask(abnormality_lesions(a))
            alternative |= bits
            if not a.uncertain:
                primary |= bits
        if complex_candidate(acquired):
            primary |= LESION_BIT["complex_karyotype"]
            alternative |= LESION_BIT["complex_karyotype"]
        if monosomal_candidate([a for a in acquired if not (a.uncertain and a.kind == "loss")]):
            primary |= LESION_BIT["monosomal_karyotype"]
        if monosomal_candidate(acquired):
            alternative |= LESION_BIT["monosomal_karyotype"]
        cyto_kmt2a = primary & _KMT2A_EITHER
        for f in self.fish:
            les, alt = lesion_mask(f.lesions), lesion_mask(f.alternative)
            if cyto_kmt2a and les & _KMT2A_EITHER:  # the karyotype names the KMT2A partner
                les &= ~_KMT2A_EITHER
                alt &= ~_KMT2A_EITHER
            primary |= les
            alternative |= alt
        return primary, alternative

    @cached_property
    def lesions(self) -> frozenset[str]:
        """Recurrent lesions present (keys of ``LESIONS``): clonal acquired abnormalities and
        class-defining FISH results, uncertain (``?``) abnormalities left out."""
        return lesions_of_mask(resolve_mask(self.raw_masks[0]))

    @cached_property
    def alternative_lesions(self) -> frozenset[str]:
        """The lesions with every uncertain finding read the other way (``?`` confirmed,
        a KMT2A split without partner read as t(9;11))."""
        return lesions_of_mask(resolve_mask(self.raw_masks[1]))

    def has(self, lesion: str) -> bool:
        """True when ``lesion`` (a key of ``LESIONS``) is present."""
        return lesion in self.lesions

    @property
    def is_complex(self) -> bool:
        """ELN 2022 complex karyotype (Döhner 2022 Table 6 footnote)."""
        return "complex_karyotype" in self.lesions

    @property
    def is_monosomal(self) -> bool:
        """Monosomal karyotype (Breems 2008; Döhner 2022 Table 6)."""
        return "monosomal_karyotype" in self.lesions

    @property
    def adverse_lesions(self) -> tuple[str, ...]:
        """ELN 2022 adverse cytogenetic lesions present, in Table 6 order."""
        return tuple(x for x in ADVERSE_LESIONS if x in self.lesions)

    @property
    def adverse_cytogenetics(self) -> bool:
        """Any ELN 2022 adverse cytogenetic lesion (Döhner 2022 Table 6)."""
        return bool(self.adverse_lesions)

    def to_iscn(self) -> str:
        """The karyotype written back in normalised ISCN (prefix, clones, donor, suffixes)."""
        text = "/".join(c.to_iscn() for c in self.clones)
        if self.donor_clones:
            text += "//" + "/".join(c.to_iscn() for c in self.donor_clones)
        if self.prefix:
            text = f"{self.prefix} {text}"
        return text + "".join(f.written for f in self.fish)


# --------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------

_NOT_DONE = {
    "", "nd", "n/a", "na", "nan", "none", "not done", "notdone", "not performed", "failed",
    "failure", "no growth", "no metaphases", "no mitoses", "no metaphase", "no mitosis", "-",
    ".", "?", "unknown", "inconclusive", "culture failed", "karyotype failed", "not available",
    "no result",
}


def _clones(text: str, unparsed: list[str]) -> list[Clone]:
    clones: list[Clone] = []
    for piece in split_top(text, "/"):
        if not piece:
            continue
        try:
            clone = parse_clone(piece, clones, unparsed)
        except (ValueError, IndexError, RecursionError):  # pragma: no cover - defensive
            clone = None
            unparsed.append(piece)
        if clone is not None:
            clones.append(clone)
    return clones


@functools.lru_cache(maxsize=131072)
def _parse_cached(text: str) -> Karyotype:
    head, suffixes = split_suffixes(text)
    fish = tuple(parse_fish(method, body) for method, body in suffixes)
    norm = normalise_karyotype_text(head).lower()
    prefix = ""
    pm = re.match(r"^(mos|chi)(?:,|(?=\d))", norm)
    if pm:
        prefix, norm = pm.group(1), norm[pm.end():]
    if norm.replace(",", " ").strip() in _NOT_DONE:
        return Karyotype(text=text, not_done=True, fish=fish)
    unparsed: list[str] = []
    recipient, _, donor = norm.partition("//")
    clones = _clones(recipient, unparsed)
    donor_unparsed: list[str] = []
    donor_clones = _clones(donor, donor_unparsed) if donor else []
    if donor_unparsed:  # an unreadable donor part is reported whole
        unparsed.append("//" + donor)
        donor_clones = []
    if not clones and not unparsed:
        return Karyotype(text=text, not_done=True, fish=fish, prefix=prefix)
    return Karyotype(text=text, clones=tuple(clones), unparsed=tuple(unparsed), prefix=prefix,
                     donor_clones=tuple(donor_clones), fish=fish)


def parse_karyotype(text: str | None) -> Karyotype:
    """Parse an ISCN 2020 karyotype string; never raises (ISCN 2020 ch. 4, 8, 11, 13).

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
    "lesion_mask",
    "alternative_mask",
    "karyotype_notes",
)


def _flags(k: Karyotype) -> tuple:
    lesions = k.lesions
    raw, alt = k.raw_masks
    return (
        k.status,
        k.is_normal,
        k.n_abnormalities,
        *(name in lesions for name in LESIONS),
        k.adverse_cytogenetics,
        " ".join(k.unparsed) if k.unparsed else None,
        raw,
        alt,
        "; ".join(k.notes) if k.notes else None,
    )


def parse_karyotypes(series: pd.Series) -> pd.DataFrame:
    """Vectorised ``parse_karyotype``: each distinct string is parsed once; one row per input.

    Columns (``FLAG_COLUMNS``): ``karyotype_status`` (done/partial/not_done),
    ``karyotype_normal``, ``n_abnormalities``, one bool per ``LESIONS`` key,
    ``adverse_cytogenetics``, ``karyotype_unparsed`` (text or None), ``lesion_mask`` and
    ``alternative_mask`` (lesion bits before the complex/monosomal exclusions, see
    ``iscn_lesions.resolve_mask``) and ``karyotype_notes`` (what was read but not used). Flags
    report what was found: False means "not found", informative only when status is ``done``.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    rows = [_flags(parse_karyotype(u)) for u in uniques]
    rows.append(_flags(Karyotype(text=None, not_done=True)))  # code -1 -> missing
    table = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    take = np.where(codes < 0, len(uniques), codes)
    out = table.iloc[take].reset_index(drop=True)
    out.index = series.index
    return out
