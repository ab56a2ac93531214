"""ELN 2022 genetic risk at diagnosis (Döhner et al., Blood 2022;140:1345-77, Table 6).

Inputs: the karyotype (``clinical_rules.iscn``, with its appended FISH results) and the mutation
rows normalised by ``clinical_rules.molecular_text`` (``clinical_rules.eln_findings``). A fusion
reported molecularly (RUNX1::RUNX1T1 by RT-PCR) is the rearrangement, merged with the
karyotype's lesions before the complex/monosomal exclusions (``iscn_lesions.resolve_mask``).

Precedence (every clause is a row of ``tests/clinical_rules/test_eln_cases.py``):
(1) t(8;21), inv(16)/t(16;16) -> favorable whatever else is present (class-defining CBF-AML;
MR-gene mutations do not count, Table 6 footnote; complex and monosomal karyotype exclude CBF);
(2) t(9;11) -> intermediate ("takes precedence over rare, concurrent adverse-risk gene
mutations"); (3) any adverse cytogenetic lesion -> adverse, also with mutated NPM1 (Table 6
footnote) or bZIP CEBPA; (4) TP53 VAF >= 10 % -> adverse (the MR-gene exemption for
favourable subtypes does not extend to TP53); (5) NPM1 mutated without FLT3-ITD -> favorable;
(6) bZIP in-frame CEBPA -> favorable; (7) mutated ASXL1, BCOR, EZH2, RUNX1, SF3B1, SRSF2,
STAG2, U2AF1, ZRSR2 -> adverse; (8) FLT3-ITD -> intermediate; (9) otherwise intermediate.

Enough information: the karyotype is *informative* when fully parsed. A recurrent cytogenetic
finding (karyotype, FISH or fusion) decides even without it. Without an informative karyotype
the molecular clauses (4)-(9) apply only when a class-defining mutation is present (mutated
NPM1, bZIP in-frame CEBPA, TP53, an MR gene); else ``unknown``. Genes not on the panel count as
not mutated, except NPM1, FLT3-ITD, an unspecified CEBPA variant and an uncertain cytogenetic
finding (``?del(5q)``, a KMT2A split without partner): when the category differs between their
readings the result is ``unknown`` and the reason names what it depends on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from clinical_rules.eln_findings import (
    GENE_CODE,
    MR_GENES,
    MUTATED,
    NOT_TESTED,
    UNSPEC,
    YES,
    GeneFindings,
    findings_arrays,
    merge_kmt2a,
)
from clinical_rules.iscn import Karyotype, parse_karyotype, parse_karyotypes
from clinical_rules.iscn_lesions import ADVERSE_LESIONS, LESION_BIT, LESIONS, resolve_mask

__all__ = ["ELN2022_COLUMNS", "eln2022_one", "eln2022_risk"]

FAVORABLE, INTERMEDIATE, ADVERSE, UNKNOWN = "favorable", "intermediate", "adverse", "unknown"
CATS = np.array([FAVORABLE, INTERMEDIATE, ADVERSE, UNKNOWN], dtype=object)

ELN2022_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "patient_id",
    "eln2022",
    "eln2022_reason",
    "adverse_cytogenetics",
    "complex_karyotype",
    "monosomal_karyotype",
    "karyotype_unparsed",
)

# decision codes, in precedence order; category of each code
(
    D_T821, D_INV16, D_T911, D_ADV_CYTO, D_NPM1_ADV_CYTO, D_TP53, D_NPM1, D_CEBPA, D_MR,
    D_NPM1_ITD, D_ITD, D_OTHER, D_NOINFO,
) = range(13)
_CAT22 = np.array([0, 0, 1, 2, 2, 2, 0, 0, 2, 1, 1, 1, 3], dtype=np.int8)
_T6 = "(ELN 2022 Table 6)"
_TEXT22 = {
    D_T821: "t(8;21)(q22;q22.1)/RUNX1::RUNX1T1 -> favorable " + _T6,
    D_INV16: "inv(16)(p13.1q22)/t(16;16)(p13.1;q22)/CBFB::MYH11 -> favorable " + _T6,
    D_T911: "t(9;11)(p21.3;q23.3)/KMT2A::MLLT3 -> intermediate (ELN 2022 Table 6; precedes "
    "adverse genes)",
    D_ADV_CYTO: "adverse cytogenetics: {cyto} -> adverse " + _T6,
    D_NPM1_ADV_CYTO: "NPM1 mutated with adverse cytogenetics: {cyto} -> adverse "
    "(ELN 2022 Table 6 footnote)",
    D_TP53: "TP53 mutated, VAF >= 10% (or not given) -> adverse " + _T6,
    D_NPM1: "NPM1 mutated without FLT3-ITD -> favorable " + _T6,
    D_CEBPA: "bZIP in-frame CEBPA -> favorable " + _T6,
    D_MR: "mutated {mr} (myelodysplasia-related) -> adverse " + _T6,
    D_NPM1_ITD: "NPM1 mutated with FLT3-ITD -> intermediate " + _T6,
    D_ITD: "FLT3-ITD, NPM1 not mutated -> intermediate " + _T6,
    D_OTHER: "no favorable or adverse finding -> intermediate " + _T6,
    D_NOINFO: "no karyotype and no class-defining mutation -> unknown",
}
_KSTAT = {"not_done": 0, "partial": 1, "done": 2}
_UNC22 = (
    "NPM1 not tested",
    "FLT3-ITD not tested/unspecified",
    "CEBPA variant unspecified",
    "an uncertain cytogenetic finding (? or a KMT2A rearrangement without partner)",
)
_ADV_BITS = [LESION_BIT[x] for x in ADVERSE_LESIONS]
_ADV_ANY = sum(_ADV_BITS)
_DECIDING = LESION_BIT["t_8_21"] | LESION_BIT["inv_16"] | LESION_BIT["t_9_11"] | _ADV_ANY


def _reason22(
    code: int, cyto: Iterable[str], mr: Iterable[str], kstat: int, unc: int, kind: int
) -> str:
    """Reason text. kind 0 = decided, 1 = unknown (depends on untested genes)."""
    notes = [u for i, u in enumerate(_UNC22) if unc >> i & 1]
    if code == D_NOINFO:
        what = "no karyotype" if kstat == 0 else "karyotype partly unparsed"
        text = f"{what} and no class-defining mutation -> unknown"
        return text + (" [" + "; ".join(notes) + "]" if notes else "")
    if kind == 1:
        return "unknown: result depends on " + "; ".join(notes)
    text = _TEXT22[code].format(cyto=", ".join(LESIONS[c] for c in cyto), mr=", ".join(mr))
    if code in (D_TP53, D_NPM1, D_CEBPA, D_MR, D_NPM1_ITD, D_ITD, D_OTHER) and kstat < 2:
        text += " [karyotype not done]" if kstat == 0 else " [karyotype partly unparsed]"
    if notes:
        text += " [" + "; ".join(notes) + ": no effect]"
    return text


def _has(mask, lesion: str):  # noqa: ANN001, ANN202 - int or array
    return (mask & LESION_BIT[lesion]) != 0


def _decide22(mask, informative, npm1, itd, bzip, tp53, mr):  # noqa: ANN001, ANN202
    """ELN 2022 precedence (module docstring) on arrays or scalars; returns decision codes."""
    adv_cyto = (mask & _ADV_ANY) != 0
    class_mut = npm1 | bzip | tp53 | mr
    conds = [
        _has(mask, "t_8_21"),
        _has(mask, "inv_16"),
        _has(mask, "t_9_11"),
        adv_cyto & npm1,
        adv_cyto,
        ~informative & ~class_mut,
        tp53,
        npm1 & ~itd,
        bzip,
        mr,
        npm1 & itd,
        itd,
    ]
    codes = [D_T821, D_INV16, D_T911, D_NPM1_ADV_CYTO, D_ADV_CYTO, D_NOINFO, D_TP53, D_NPM1,
             D_CEBPA, D_MR, D_NPM1_ITD, D_ITD]
    return np.select(conds, codes, D_OTHER)


def _readings(k_raw, k_alt, fus, fus_alt):  # noqa: ANN001, ANN202
    """(primary, alternative) lesion masks of karyotype + fusions, exclusions applied."""
    primary = resolve_mask(k_raw | merge_kmt2a(k_raw, fus))
    alternative = resolve_mask(k_alt | merge_kmt2a(k_raw, fus_alt))
    return primary, alternative


def eln2022_one(karyotype: Karyotype | str | None, findings: GeneFindings) -> tuple[str, str]:
    """ELN 2022 risk of one patient, row by row (Döhner et al., Blood 2022;140:1345-77 Table 6).

    Reference implementation of ``eln2022_risk``: returns (category, reason).
    """
    k = karyotype if isinstance(karyotype, Karyotype) else parse_karyotype(karyotype)
    primary, alternative = _readings(*k.raw_masks, findings.fusion_mask,
                                     findings.fusion_alternative)
    cyto = [x for x in ADVERSE_LESIONS if primary & LESION_BIT[x]]
    mr = [g for g in MR_GENES if findings.get(g) == MUTATED]
    kstat = _KSTAT[k.status]
    npm1_unc = findings.get("NPM1") == NOT_TESTED
    itd_unc = findings.flt3_itd == UNSPEC
    bzip_unc = findings.cebpa_bzip == UNSPEC
    cyto_unc = (primary & _DECIDING) != (alternative & _DECIDING)
    unc = int(npm1_unc) | int(itd_unc) << 1 | int(bzip_unc) << 2 | int(cyto_unc) << 3
    results = []
    for n, f, c, a in itertools.product((False, True), repeat=4):
        npm1 = n if npm1_unc else findings.get("NPM1") == MUTATED
        itd = f if itd_unc else findings.flt3_itd == YES
        bzip = c if bzip_unc else findings.cebpa_bzip == YES
        code = int(_decide22(
            np.int64(alternative if a else primary), np.bool_(kstat == 2), np.bool_(npm1),
            np.bool_(itd), np.bool_(bzip), np.bool_(findings.tp53_adverse_2022),
            np.bool_(bool(mr)),
        ))
        results.append(code)
    cats = {int(_CAT22[c]) for c in results}
    base = results[0]
    if len(cats) > 1:
        return UNKNOWN, _reason22(base, cyto, mr, kstat, unc, 1)
    return str(CATS[_CAT22[base]]), _reason22(base, cyto, mr, kstat, unc, 0)


def nullable_flag(found: np.ndarray, informative: np.ndarray) -> pd.arrays.BooleanArray:
    """True when found, False when the karyotype is informative, else <NA>."""
    return pd.arrays.BooleanArray(found.astype(bool), ~(found | informative))


def build_reasons(combo: np.ndarray, builder) -> np.ndarray:  # noqa: ANN001
    """Build each distinct reason once (``combo`` packs what the text depends on)."""
    codes, uniques = pd.factorize(combo)
    texts = np.array([builder(int(x)) for x in uniques], dtype=object)
    return texts[codes]


def text_column(frame: pd.DataFrame, col: str) -> pd.Series:
    """``frame[col]``, or an all-missing column when absent."""
    if col in frame.columns:
        return frame[col]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def eln2022_risk(patients: pd.DataFrame, mutations: pd.DataFrame) -> pd.DataFrame:
    """ELN 2022 genetic risk per patient (Döhner et al., Blood 2022;140:1345-77, Table 6).

    Returns one row per patient, in ``patients`` order, with ``ELN2022_COLUMNS``:
    ``centre_id, patient_id, eln2022`` (favorable/intermediate/adverse/unknown),
    ``eln2022_reason``, ``adverse_cytogenetics``, ``complex_karyotype``,
    ``monosomal_karyotype`` (nullable bool) and ``karyotype_unparsed`` (text or None).
    """
    n = len(patients)
    flags = parse_karyotypes(text_column(patients, "karyotype"))
    f = findings_arrays(patients, mutations)
    kstat = flags["karyotype_status"].map(_KSTAT).to_numpy(dtype=np.int64)
    informative = kstat == 2
    primary, alternative = _readings(
        flags["lesion_mask"].to_numpy(dtype=np.int64),
        flags["alternative_mask"].to_numpy(dtype=np.int64), f["fusion"], f["fusion_alt"])
    adv_mask = np.zeros(n, dtype=np.int64)
    for i, bit in enumerate(_ADV_BITS):
        adv_mask |= ((primary & bit) != 0).astype(np.int64) << i
    status = f["status"]
    mr_mask = np.zeros(n, dtype=np.int64)
    for i, g in enumerate(MR_GENES):
        mr_mask |= (status[:, GENE_CODE[g]] == MUTATED).astype(np.int64) << i
    npm1_known = status[:, GENE_CODE["NPM1"]]
    npm1_unc = npm1_known == NOT_TESTED
    itd_unc = f["itd"] == UNSPEC
    bzip_unc = f["bzip"] == UNSPEC
    cyto_unc = (primary & _DECIDING) != (alternative & _DECIDING)
    unc = (npm1_unc.astype(np.int64) | itd_unc.astype(np.int64) << 1
           | bzip_unc.astype(np.int64) << 2 | cyto_unc.astype(np.int64) << 3)
    base_code = None
    agree = np.ones(n, dtype=bool)
    for nv, fv, cv, av in itertools.product((False, True), repeat=4):
        code = _decide22(
            alternative if av else primary,
            informative,
            np.where(npm1_unc, nv, npm1_known == MUTATED),
            np.where(itd_unc, fv, f["itd"] == YES),
            np.where(bzip_unc, cv, f["bzip"] == YES),
            f["tp53_adv"],
            mr_mask > 0,
        )
        if base_code is None:
            base_code = code
        else:
            agree &= _CAT22[code] == _CAT22[base_code]
    cat = np.where(agree, _CAT22[base_code], 3)
    kind = (~agree).astype(np.int64)
    combo = (base_code.astype(np.int64) | adv_mask << 4 | mr_mask << 15 | kstat << 24
             | unc << 26 | kind << 30)

    def build(x: int) -> str:
        return _reason22(
            x & 15,
            [name for i, name in enumerate(ADVERSE_LESIONS) if x >> (4 + i) & 1],
            [g for i, g in enumerate(MR_GENES) if x >> (15 + i) & 1],
            x >> 24 & 3,
            x >> 26 & 15,
            x >> 30 & 1,
        )

    return pd.DataFrame(
        {
            "centre_id": patients["centre_id"].to_numpy(),
            "patient_id": patients["patient_id"].to_numpy(),
            "eln2022": CATS[cat],
            "eln2022_reason": build_reasons(combo, build),
            "adverse_cytogenetics": nullable_flag((primary & _ADV_ANY) != 0, informative),
            "complex_karyotype": nullable_flag(_has(primary, "complex_karyotype"), informative),
            "monosomal_karyotype": nullable_flag(_has(primary, "monosomal_karyotype"),
                                                 informative),
            "karyotype_unparsed": flags["karyotype_unparsed"].to_numpy(dtype=object),
        },
        index=patients.index,
    )
