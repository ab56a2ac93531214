"""Recurrent AML gene fusions and the cytogenetic lesion each one is (shared by FISH and RT-PCR).

Sources: Döhner et al., Blood 2022;140:1345-77, Table 6 (ELN 2022 lesions and their fusions);
Khoury et al., Leukemia 2022;36:1703 (WHO 2022) and Arber et al., Blood 2022;140:1200 (ICC 2022)
for the class-defining rearrangements; HGNC for current symbols (``::`` fusion notation, HGNC
2021) and the legacy names laboratories still write (AML1, ETO, MLL, AF9, EVI1, CAN, MKL1).

A fusion is the rearrangement found molecularly (spec/clinical-rules.md, "What laboratories
actually write"): it is never a point mutation of either partner.
"""

from __future__ import annotations

import re

__all__ = [
    "FUSION_LESIONS",
    "GENE_ALIASES",
    "NO_ELN_LESION",
    "REARRANGED_GENE_LESIONS",
    "canonical_gene",
    "fusion_lesion",
    "parse_fusion",
]

#: legacy or alternative gene names -> HGNC symbol (upper case, punctuation removed).
GENE_ALIASES: dict[str, str] = {
    "AML1": "RUNX1", "CBFA2": "RUNX1", "ETO": "RUNX1T1", "MTG8": "RUNX1T1", "CBFA2T1": "RUNX1T1",
    "MLL": "KMT2A", "MLL1": "KMT2A", "HRX": "KMT2A", "AF9": "MLLT3", "AF10": "MLLT10",
    "AF4": "AFF1", "ENL": "MLLT1", "AF6": "AFDN", "MLLT4": "AFDN", "AF17": "MLLT6",
    "SEPT6": "SEPTIN6", "SEPT9": "SEPTIN9", "EVI1": "MECOM", "MDS1": "MECOM", "CAN": "NUP214",
    "ABL": "ABL1", "MYST3": "KAT6A", "MOZ": "KAT6A", "CBP": "CREBBP", "MKL1": "MRTFA",
    "OTT": "RBM15", "NUP98NSD1": "NUP98", "ETO2": "CBFA2T3", "TLS": "FUS", "HLXB9": "MNX1",
    "CALM": "PICALM", "P53": "TP53", "NPM": "NPM1", "CEBPALPHA": "CEBPA", "C/EBPA": "CEBPA",
    "CEBPΑ": "CEBPA", "MTG16": "CBFA2T3",
}

# (partner A, partner B) -> lesion key of clinical_rules.iscn_lesions.LESIONS; order-free.
_PAIRS: dict[frozenset[str], str] = {
    frozenset({"RUNX1", "RUNX1T1"}): "t_8_21",
    frozenset({"CBFB", "MYH11"}): "inv_16",
    frozenset({"PML", "RARA"}): "t_15_17",
    frozenset({"KMT2A", "MLLT3"}): "t_9_11",
    frozenset({"DEK", "NUP214"}): "t_6_9",
    frozenset({"BCR", "ABL1"}): "t_9_22",
    frozenset({"KAT6A", "CREBBP"}): "t_8_16",
    frozenset({"GATA2", "MECOM"}): "inv_3",
    frozenset({"RBM15", "MRTFA"}): "other_class_defining",
    frozenset({"FUS", "ERG"}): "other_class_defining",
}
#: the recognised fusions (HGNC ``::`` notation, 5' partner first) -> lesion key.
FUSION_LESIONS: dict[str, str] = {
    "RUNX1::RUNX1T1": "t_8_21", "CBFB::MYH11": "inv_16", "PML::RARA": "t_15_17",
    "KMT2A::MLLT3": "t_9_11", "DEK::NUP214": "t_6_9", "BCR::ABL1": "t_9_22",
    "KAT6A::CREBBP": "t_8_16", "GATA2::MECOM": "inv_3", "RBM15::MRTFA": "other_class_defining",
    "FUS::ERG": "other_class_defining", "KMT2A::(other partner)": "kmt2a_r",
    "MECOM::(any partner)": "mecom_r", "NUP98::(any partner)": "other_class_defining",
    "RARA::(other partner)": "other_class_defining",
}
#: a gene reported "rearranged" (break-apart FISH, fusion panel without partner) -> lesion.
#: KMT2A without a named partner is read as KMT2A-rearranged with t(9;11) as the alternative.
REARRANGED_GENE_LESIONS: dict[str, str] = {
    "KMT2A": "kmt2a_r", "MECOM": "mecom_r", "CBFB": "inv_16", "NUP98": "other_class_defining",
    "RARA": "other_class_defining", "RUNX1T1": "t_8_21", "MYH11": "inv_16",
}

_CLEAN = re.compile(r"[^A-Z0-9/]")


def canonical_gene(name: str) -> str:
    """HGNC symbol of a gene name as written (case, spaces and legacy names normalised)."""
    key = _CLEAN.sub("", name.upper().replace("Α", "A"))
    key = key.replace("/", "") if key not in GENE_ALIASES else key
    return GENE_ALIASES.get(key, key)


#: recognised fusions that carry no ELN 2022 lesion (they are never a partner's mutation).
NO_ELN_LESION: frozenset[frozenset[str]] = frozenset({
    frozenset({"NPM1", "MLF1"}), frozenset({"PICALM", "MLLT10"}), frozenset({"MNX1", "ETV6"}),
    frozenset({"CBFA2T3", "GLIS2"}), frozenset({"PRDM16", "RPN1"}), frozenset({"ETV6", "PDGFRB"}),
    frozenset({"FIP1L1", "PDGFRA"}), frozenset({"RUNX1", "CBFA2T3"}),
})
_PAIR = re.compile(r"(?=\b([A-Za-z][A-Za-z0-9]*)\s*(::|:|/|-|–|_)\s*([A-Za-z][A-Za-z0-9]*))")
_PARTNER_GENES = (
    {g for p in _PAIRS for g in p} | {g for p in NO_ELN_LESION for g in p}
    | {"KMT2A", "MECOM", "NUP98", "RARA", "AFF1", "MLLT1", "MLLT10", "ELL", "AFDN", "SEPTIN6",
       "SEPTIN9", "MLLT6", "MLLT11", "EPS15", "NSD1", "KDM5A", "HOXA9", "DDX10", "RUNX1", "ETV6",
       "ZBTB16", "NPM1", "STAT5B", "PRDM16", "RPN1"}
)


def _partner(token: str) -> str | None:
    gene = canonical_gene(token)
    return gene if gene in _PARTNER_GENES else None


def parse_fusion(text: str) -> tuple[str, str] | None:
    """A fusion written as ``A::B``, ``A-B``, ``A/B`` or with legacy names -> (name, lesion).

    ``lesion`` is a key of ``iscn_lesions.LESIONS``, or ``""`` for a fusion that is recognised
    but carries no ELN 2022 lesion: one of ``NO_ELN_LESION``, or any other ``A::B`` (HGNC fusion
    notation). Returns None when the text names no fusion. Known pairs give their lesion; a
    KMT2A, MECOM, NUP98 or RARA fusion with another partner gives that gene's rearrangement.
    """
    for m in _PAIR.finditer(text):
        a, b = _partner(m.group(1)), _partner(m.group(3))
        hgnc = m.group(2) == "::"
        if (a is None or b is None) and hgnc:
            a, b = canonical_gene(m.group(1)), canonical_gene(m.group(3))
        if a is None or b is None or a == b:
            continue
        pair = frozenset({a, b})
        lesion = _PAIRS.get(pair)
        if lesion is None:
            lesion = next((REARRANGED_GENE_LESIONS[g] for g in ("KMT2A", "MECOM", "NUP98", "RARA")
                           if g in pair), None)
        if lesion is None and (hgnc or pair in NO_ELN_LESION):
            lesion = ""
        if lesion is not None:
            return f"{a}::{b}", lesion
    return None


def fusion_lesion(name: str) -> str | None:
    """Lesion key of a fusion name in any recognised spelling (None when not a known fusion)."""
    parsed = parse_fusion(name)
    return parsed[1] or None if parsed else None
