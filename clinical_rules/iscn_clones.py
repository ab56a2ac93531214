"""Clones of a karyotype: modal number, sex chromosomes, cell counts, stemline/sideline notation
and the ISCN clone-size rule.

Source: ISCN 2020 (McGowan-Jordan, Hastings, Moore, eds.; Karger 2020) ch. 11: clones are
separated by ``/``, cell counts written ``[n]`` (``[cpn]`` for a composite karyotype), ``idem``
and ``sl`` repeat the stemline, ``sdl``/``sdlN`` a sideline, ``inc`` marks an incomplete
karyotype, ``//`` separates donor from recipient cells in a chimera. ISCN 2020 11.1.1: "a clone
is defined as at least two cells with the same structural aberration or the same supernumerary
chromosome, or at least three cells with the same missing chromosome"; a change seen in fewer
cells is not a clone and counts for no risk rule (spec/clinical-rules.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from clinical_rules.iscn_grammar import Abnormality, parse_abnormality, split_top

__all__ = ["Clone", "clonal_texts", "parse_clone"]


@dataclass(frozen=True)
class Clone:
    """One clone of a karyotype: modal number, sex chromosomes, abnormalities, cell count.

    ``abnormalities`` is the resolved list (``idem``/``sl``/``sdl`` expanded, ISCN 2020 11.1.4);
    ``own_abnormalities`` what was written in this clone; ``items`` the normalised tokens after
    the sex chromosomes in written order (for writing the clone back).
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
    incomplete: bool = False
    modal_written: str = ""
    sex_written: str = ""
    items: tuple[str, ...] = ()

    @property
    def acquired(self) -> tuple[Abnormality, ...]:
        """Acquired abnormalities of this clone."""
        return tuple(a for a in self.abnormalities if a.acquired)

    @property
    def is_normal(self) -> bool:
        """No acquired abnormality in this clone."""
        return not self.acquired

    def to_iscn(self) -> str:
        """The clone written back in ISCN (normalised spelling)."""
        head = [t for t in (self.modal_written, self.sex_written) if t]
        body = ",".join([*head, *self.items])
        if self.cells is not None:
            body += f"[{'cp' if self.composite else ''}{self.cells}]"
        return body


_MODAL = re.compile(r"^(\d{1,3})(?:~(\d{1,3}))?(?:<(\d?)n>)?$")
_SEX = re.compile(r"^[xy]{1,5}c?$")
_CELLS = re.compile(r"^(cp)?,?(?:n=)?(\d{1,4}),?(?:cells?|mitoses|metaphases|mets?)?$")
_INHERIT = re.compile(r"^(idem|sl|sdl)(\d*)(?:x\d)?$")


def parse_clone(text: str, previous: Sequence[Clone], unparsed: list[str]) -> Clone | None:
    """Parse one clone (lower-cased, normalised); unreadable tokens are appended to ``unparsed``."""
    body, cells, composite = text, None, False
    paren = re.search(r"(?<=[a-z0-9)\]])\((\d{1,3})\)$", body)  # "46,XX(20)": count in ( )
    if paren and not body.endswith("]"):
        body = body[: paren.start()] + f"[{paren.group(1)}]"
    bm = re.search(r"\[([^\[\]]*)\]$", body)
    if bm:
        body = body[: bm.start()]
        cm = _CELLS.match(bm.group(1))
        if cm:
            composite, cells = bool(cm.group(1)), int(cm.group(2))
        else:
            unparsed.append(bm.group(0))
    tokens = [t for t in split_top(body, ",") if t]
    if not tokens:
        return None if bm is None and not text else Clone(text=text, cells=cells)
    modal = modal_range = None
    modal_written = sex_written = ""
    sex = inherits = None
    inherited: tuple[Abnormality, ...] = ()
    own: list[Abnormality] = []
    items: list[str] = []
    incomplete = False
    i = 0
    mm = _MODAL.match(tokens[0])
    if mm:
        lo = int(mm.group(1))
        hi = int(mm.group(2)) if mm.group(2) else lo
        modal, modal_range = lo, (lo, hi) if hi != lo else None
        modal_written = tokens[0]
        i = 1
    if i < len(tokens) and _SEX.match(tokens[i]):
        sex_written = tokens[i].upper().replace("C", "c")
        sex = sex_written.replace("c", "")
        i += 1
    for tok in tokens[i:]:
        if tok == "inc":
            incomplete = True
            items.append(tok)
            continue
        im = _INHERIT.match(tok)
        if im:
            ref = _reference(im.group(1), im.group(2), previous)
            if ref is None:
                unparsed.append(tok)
                continue
            inherits = tok
            inherited = ref.abnormalities
            sex = sex or ref.sex_chromosomes
            items.append(tok)
            continue
        abn = parse_abnormality(tok)
        if abn is None:
            unparsed.append(tok)
        else:
            own.append(abn)
            items.append(abn.written or tok)
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
        incomplete=incomplete,
        modal_written=modal_written,
        sex_written=sex_written,
        items=tuple(items),
    )


def _reference(which: str, num: str, previous: Sequence[Clone]) -> Clone | None:
    """The clone ``idem``/``sl`` (stemline) or ``sdl``/``sdlN`` (sideline) refers to."""
    if not previous:
        return None
    if which in ("idem", "sl"):
        return previous[0]
    if num:
        k = int(num)
        return previous[k] if k < len(previous) else None
    return previous[-1]


def clonal_texts(clones: Sequence[Clone]) -> tuple[set[str], set[str]]:
    """(clonal, non-clonal) acquired abnormality texts by the ISCN 2020 11.1.1 clone-size rule.

    The cells carrying an abnormality are summed over the clones that carry it (a stemline
    change is also in its sidelines). A gain or structural change needs >= 2 cells, a loss
    >= 3. A clone without a cell count, or a composite (``cp``, where ISCN requires each change
    to be clonal), is taken as written: clonal.
    """
    cells: dict[str, int | None] = {}
    kinds: dict[str, str] = {}
    for clone in clones:
        for a in {x.text: x for x in clone.acquired}.values():
            kinds[a.text] = a.kind
            if clone.cells is None or clone.composite:
                cells[a.text] = None
            elif a.text not in cells:
                cells[a.text] = clone.cells
            elif cells[a.text] is not None:
                cells[a.text] += clone.cells  # type: ignore[operator]
    clonal, nonclonal = set(), set()
    for text, n in cells.items():
        need = 3 if kinds[text] == "loss" else 2
        (clonal if n is None or n >= need else nonclonal).add(text)
    return clonal, nonclonal
