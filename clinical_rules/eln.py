"""ELN genetic risk at diagnosis: ELN 2022 (intensive) and ELN 2024 (less-intensive therapy).

Sources: Döhner et al., Blood 2022;140:1345-77, Table 6 and footnotes (ELN 2022);
Döhner et al., Blood 2024;144:2169-73, Table 1 (ELN 2024 less-intensive); karyotypes read with
``clinical_rules.iscn`` (ISCN 2020). Rules as written in ``spec/clinical-rules.md``.

Inputs are staging frames keyed by (``centre_id``, ``patient_id``): ``patients`` with
``karyotype``; ``mutations`` with ``gene``, ``detected`` (nullable bool), ``variant``, ``vaf``.
A gene without a row, or whose rows all have ``detected`` missing, is *not tested*.

Documented choices (every one is a row of ``tests/clinical_rules/test_eln_cases.py``)
-------------------------------------------------------------------------------
* FLT3-ITD: FLT3 detected with a variant containing "ITD" (any case). FLT3 detected with
  another variant (TKD, D835Y) is ITD-negative. FLT3 detected with no variant text leaves the
  ITD status *unspecified* (treated like "not tested" for FLT3-ITD). Allelic ratio ignored.
* CEBPA favourable only when a detected variant's text contains "bZIP" and "in-frame",
  "inframe" or "in frame" (any case). Other described CEBPA variants are not favourable;
  CEBPA detected with no variant text is *unspecified* (may or may not be bZIP in-frame).
* TP53 (ELN 2022): adverse with VAF >= 0.10; TP53 detected with VAF missing is counted as
  adverse (NGS reports list TP53 calls above the clinical reporting threshold; the
  data-quality report lists these patients). VAF is a fraction 0-1 (staging converts %).
* Precedence, ELN 2022: (1) t(8;21), inv(16)/t(16;16) -> favorable whatever else is present
  (class-defining CBF-AML; MR-gene mutations do not count, Table 6 footnote; complex and
  monosomal karyotype exclude CBF; ELN 2022 gives no adverse modifier for CBF-AML);
  (2) t(9;11) -> intermediate ("takes precedence over rare, concurrent adverse-risk gene
  mutations"); (3) any adverse cytogenetic lesion -> adverse, also with mutated NPM1 (Table 6
  footnote) or bZIP CEBPA; (4) TP53 VAF >= 10 % -> adverse (the MR-gene exemption for
  favourable subtypes does not extend to TP53); (5) NPM1 mutated without FLT3-ITD ->
  favorable; (6) bZIP in-frame CEBPA -> favorable; (7) mutated ASXL1, BCOR, EZH2, RUNX1,
  SF3B1, SRSF2, STAG2, U2AF1, ZRSR2 -> adverse (NPM1 with FLT3-ITD is not a favourable subtype,
  so MR genes make it adverse); (8) FLT3-ITD -> intermediate; (9) otherwise intermediate.
* Enough information (ELN 2022). The karyotype is *informative* when fully parsed.
  A recurrent cytogenetic finding decides even in a partly unparsed karyotype. Without an
  informative karyotype (missing, or partly unparsed with no decisive finding) the molecular
  clauses (4)-(9) are applied with cytogenetics assumed non-contributory only when a
  class-defining mutation is present: mutated NPM1, bZIP in-frame CEBPA, TP53 (>= 10 % /
  VAF missing) or an MR gene; else ``unknown`` ("no karyotype and no class-defining
  mutation", spec). Genes not on the panel count as not mutated, except NPM1 and FLT3-ITD
  (and an unspecified CEBPA variant): when the category would differ with that gene mutated
  or not, the result is ``unknown``. So a normal karyotype with NPM1 and FLT3 tested negative
  is intermediate; with NPM1 untested it is unknown; with NPM1 wild type and FLT3 untested it
  is intermediate (both FLT3 states give intermediate).
* ELN 2024 is molecular only (karyotype ignored). TP53 mutated (any VAF) -> adverse; DDX41
  mutated with TP53 wild type -> favorable whatever FLT3-ITD/RAS; FLT3-ITD and/or NRAS/KRAS
  mutated, TP53 wild type -> intermediate; otherwise (NPM1, IDH2, IDH1 -- venetoclax registry,
  the AZA+IVO exception is not applied -- or any other finding, normal karyotype included)
  with FLT3-ITD negative, NRAS/KRAS wild type, TP53 wild type -> favorable. Untested TP53,
  FLT3-ITD, NRAS or KRAS gives ``unknown`` when the category depends on it (TP53 mutated
  decides alone; TP53 wt + FLT3-ITD positive is intermediate whatever RAS); untested DDX41
  counts as not mutated. ``eln2024_applicable`` is False when ``prior_hma`` is True (missing
  prior_hma -> applicable).
* Output flags ``adverse_cytogenetics``, ``complex_karyotype``, ``monosomal_karyotype`` are
  nullable booleans: True when found, False when an informative karyotype lacks them, <NA>
  when the karyotype is missing or partly unparsed and the lesion was not found.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinical_rules.iscn import (
    ADVERSE_LESIONS,
    LESIONS,
    Karyotype,
    parse_karyotype,
    parse_karyotypes,
)

__all__ = [
    "ELN2022_COLUMNS",
    "ELN2024_COLUMNS",
    "MR_GENES",
    "TP53_VAF_CUTOFF",
    "GeneFindings",
    "eln2022_one",
    "eln2022_risk",
    "eln2024_one",
    "eln2024_risk",
    "gene_findings_one",
    "mutation_findings",
]

FAVORABLE, INTERMEDIATE, ADVERSE, UNKNOWN = "favorable", "intermediate", "adverse", "unknown"
_CATS = np.array([FAVORABLE, INTERMEDIATE, ADVERSE, UNKNOWN], dtype=object)

#: myelodysplasia-related genes, ELN 2022 Table 6 (adverse unless with a favourable subtype).
MR_GENES: tuple[str, ...] = (
    "ASXL1",
    "BCOR",
    "EZH2",
    "RUNX1",
    "SF3B1",
    "SRSF2",
    "STAG2",
    "U2AF1",
    "ZRSR2",
)
#: ELN 2022 Table 6 footnote: TP53 adverse at VAF >= 10 %.
TP53_VAF_CUTOFF: float = 0.10
_STATUS_GENES: tuple[str, ...] = (
    "NPM1",
    "FLT3",
    "CEBPA",
    "TP53",
    "IDH1",
    "IDH2",
    "DDX41",
    "NRAS",
    "KRAS",
    *MR_GENES,
)
_GENE_CODE = {g: i for i, g in enumerate(_STATUS_GENES)}
NOT_TESTED, WILD_TYPE, MUTATED = 0, 1, 2
_STATUS_NAMES = np.array(["not_tested", "wild_type", "mutated"], dtype=object)
# tri-state codes for FLT3-ITD and CEBPA bZIP in-frame
NO, YES, UNSPEC = 0, 1, 2
_TRI_NAMES = np.array(["negative", "positive", "unknown"], dtype=object)

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
ELN2024_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "patient_id",
    "eln2024",
    "eln2024_reason",
    "eln2024_applicable",
)

# --------------------------------------------------------------------------------------
# per-patient findings
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneFindings:
    """Mutation findings of one patient: gene status codes and the derived tri-states."""

    status: Mapping[str, int]
    flt3_itd: int  # NO / YES / UNSPEC (not tested or variant unspecified)
    cebpa_bzip: int  # NO / YES / UNSPEC (detected, variant unspecified)
    tp53_adverse_2022: bool

    def get(self, gene: str) -> int:
        """Status code of ``gene`` (NOT_TESTED when absent)."""
        return self.status.get(gene, NOT_TESTED)


def _is_itd(variant: str) -> bool:
    return "itd" in variant.lower()


def _is_bzip_inframe(variant: str) -> bool:
    v = variant.lower()
    return "bzip" in v and ("in-frame" in v or "inframe" in v or "in frame" in v)


def _blank(x: object) -> bool:
    return x is None or (not isinstance(x, str) and bool(pd.isna(x))) or str(x).strip() == ""


def gene_findings_one(rows: Iterable[Mapping[str, object]]) -> GeneFindings:
    """Row-by-row summary of one patient's mutation rows (reference for ``mutation_findings``).

    Rules as in the module docstring (ELN 2022 Table 6; ELN 2024 Table 1).
    """
    tested: set[str] = set()
    mutated: set[str] = set()
    itd_pos = itd_unspec = bzip_yes = bzip_unspec = tp53_adv = False
    for r in rows:
        gene = r.get("gene")
        if _blank(gene):
            continue
        gene = str(gene).strip().upper()
        det = r.get("detected")
        if det is None or (not isinstance(det, bool | np.bool_) and pd.isna(det)):
            continue
        tested.add(gene)
        if not bool(det):
            continue
        mutated.add(gene)
        variant = r.get("variant")
        if gene == "FLT3":
            if _blank(variant):
                itd_unspec = True
            elif _is_itd(str(variant)):
                itd_pos = True
        elif gene == "CEBPA":
            if _blank(variant):
                bzip_unspec = True
            elif _is_bzip_inframe(str(variant)):
                bzip_yes = True
        elif gene == "TP53":
            vaf = r.get("vaf")
            if vaf is None or pd.isna(vaf) or float(vaf) >= TP53_VAF_CUTOFF:
                tp53_adv = True
    status = {g: (MUTATED if g in mutated else WILD_TYPE) for g in tested}
    if itd_pos:
        itd = YES
    elif itd_unspec or "FLT3" not in tested:
        itd = UNSPEC
    else:
        itd = NO
    bzip = YES if bzip_yes else (UNSPEC if bzip_unspec else NO)
    return GeneFindings(status, itd, bzip, tp53_adv)


def _patient_positions(
    patients: pd.DataFrame, mutations: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, int]:
    """Map both frames to distinct-patient indices (same (centre_id, patient_id) -> same index).

    Returns (index per patient row, index per mutation row or -1 when unknown, n distinct).
    """
    n = len(patients)
    codes = []
    for col in ("centre_id", "patient_id"):
        a, b = patients[col], mutations[col]
        if a.dtype != b.dtype:
            a, b = a.astype(str), b.astype(str)
        c, _ = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)
        codes.append(c.astype(np.int64) + 1)  # 0 = missing; patients' values come first
    # codes of values seen in patients are <= the number of distinct values among patients
    pc, pp = codes[0][:n], codes[1][:n]
    mc, mp = codes[0][n:], codes[1][n:]
    nc = int(pc.max(initial=0)) + 1
    np_ = int(pp.max(initial=0)) + 1
    pkey = pc * np_ + pp
    uniq, inverse = np.unique(pkey, return_inverse=True)
    inside = (mc < nc) & (mp < np_)
    mkey = np.where(inside, mc * np_ + mp, -1)
    if nc * np_ <= 64_000_000:  # dense lookup table: fast for the usual few centres
        table = np.full(nc * np_, -1, dtype=np.int64)
        table[uniq] = np.arange(len(uniq))
        mpos = np.where(inside, table[np.where(inside, mkey, 0)], -1)
    else:
        pos = np.searchsorted(uniq, mkey)
        pos_c = np.minimum(pos, max(len(uniq) - 1, 0))
        ok = inside & (uniq[pos_c] == mkey) if len(uniq) else np.zeros(len(mkey), dtype=bool)
        mpos = np.where(ok, pos_c, -1)
    return inverse.reshape(-1), mpos, len(uniq)


def mutation_findings(patients: pd.DataFrame, mutations: pd.DataFrame) -> pd.DataFrame:
    """Pivot mutation rows to one row per patient (order of ``patients``), vectorised.

    Columns: one per gene of interest (NPM1, FLT3, CEBPA, TP53, IDH1, IDH2, DDX41, NRAS, KRAS
    and the ELN 2022 MR genes) with ``mutated``/``wild_type``/``not_tested``; ``FLT3_ITD`` and
    ``CEBPA_bZIP_inframe`` (positive/negative/unknown); ``TP53_adverse_2022`` (bool).
    """
    arrays = _findings_arrays(patients, mutations)
    out = pd.DataFrame(
        {g: _STATUS_NAMES[arrays["status"][:, i]] for i, g in enumerate(_STATUS_GENES)},
        index=patients.index,
    )
    out["FLT3_ITD"] = _TRI_NAMES[arrays["itd"]]
    out["CEBPA_bZIP_inframe"] = _TRI_NAMES[arrays["bzip"]]
    out["TP53_adverse_2022"] = arrays["tp53_adv"]
    return out


def _text_col(frame: pd.DataFrame, col: str, n: int) -> pd.Series:
    """``frame[col]``, or an all-missing column when absent."""
    if col in frame.columns:
        return frame[col]
    return pd.Series([None] * n, index=frame.index, dtype=object)


def _classify_values(values: pd.Series, fn) -> tuple[np.ndarray, np.ndarray]:
    """Apply a text predicate to each distinct value once; returns (result, blank) per row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    res_u = np.array([fn(str(x)) for x in uniques] + [False], dtype=bool)
    blank_u = np.array([_blank(x) for x in uniques] + [True], dtype=bool)
    idx = np.where(codes < 0, len(uniques), codes)
    return res_u[idx], blank_u[idx]


def _findings_arrays(patients: pd.DataFrame, mutations: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(patients)
    gcodes, guniques = pd.factorize(mutations["gene"], use_na_sentinel=True)
    gmap = np.array(
        [_GENE_CODE.get(str(g).strip().upper(), -1) for g in guniques] + [-1], dtype=np.int64
    )
    gcode = gmap[np.where(gcodes < 0, len(guniques), gcodes)]
    keep = gcode >= 0
    muts = mutations.loc[keep] if not keep.all() else mutations
    gcode = gcode[keep]
    inverse, pos, u = _patient_positions(patients, muts)
    found = pos >= 0
    det = muts["detected"]
    if det.dtype != "boolean":
        det = det.astype("boolean")
    det_true = det.fillna(False).to_numpy(dtype=bool)
    det_known = det.notna().to_numpy(dtype=bool)
    ng = len(_STATUS_GENES)
    tested = np.zeros((u, ng), dtype=bool)
    mutated = np.zeros((u, ng), dtype=bool)
    sel = found & det_known
    tested[pos[sel], gcode[sel]] = True
    sel = found & det_true
    mutated[pos[sel], gcode[sel]] = True
    status = np.where(mutated, MUTATED, np.where(tested, WILD_TYPE, NOT_TESTED)).astype(np.int8)

    def any_per_patient(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(u, dtype=bool)
        out[pos[rows][mask]] = True
        return out

    def variant_of(rows: np.ndarray) -> pd.Series:
        if "variant" not in muts.columns:
            return pd.Series([None] * int(rows.sum()), dtype=object)
        return muts["variant"].iloc[np.flatnonzero(rows)]

    flt3 = found & det_true & (gcode == _GENE_CODE["FLT3"])
    is_itd, blank = _classify_values(variant_of(flt3), _is_itd)
    itd_pos = any_per_patient(flt3, is_itd)
    itd_unspec = any_per_patient(flt3, blank) | (status[:, _GENE_CODE["FLT3"]] == NOT_TESTED)
    itd = np.where(itd_pos, YES, np.where(itd_unspec, UNSPEC, NO)).astype(np.int8)

    cebpa = found & det_true & (gcode == _GENE_CODE["CEBPA"])
    is_bz, blank = _classify_values(variant_of(cebpa), _is_bzip_inframe)
    bzip_yes = any_per_patient(cebpa, is_bz)
    bzip_unspec = any_per_patient(cebpa, blank)
    bzip = np.where(bzip_yes, YES, np.where(bzip_unspec, UNSPEC, NO)).astype(np.int8)

    tp53 = found & det_true & (gcode == _GENE_CODE["TP53"])
    if "vaf" in muts.columns:
        vaf = pd.to_numeric(muts["vaf"].iloc[np.flatnonzero(tp53)], errors="coerce")
        vaf = vaf.to_numpy(dtype=float, na_value=np.nan)
    else:
        vaf = np.full(int(tp53.sum()), np.nan)
    tp53_adv = any_per_patient(tp53, np.isnan(vaf) | (vaf >= TP53_VAF_CUTOFF))

    take = inverse if n else np.zeros(0, dtype=np.int64)
    return {
        "status": status[take],
        "itd": itd[take],
        "bzip": bzip[take],
        "tp53_adv": tp53_adv[take],
    }


# --------------------------------------------------------------------------------------
# ELN 2022
# --------------------------------------------------------------------------------------

# decision codes, in precedence order; category of each code
(
    D_T821,
    D_INV16,
    D_T911,
    D_ADV_CYTO,
    D_NPM1_ADV_CYTO,
    D_TP53,
    D_NPM1,
    D_CEBPA,
    D_MR,
    D_NPM1_ITD,
    D_ITD,
    D_OTHER,
    D_NOINFO,
) = range(13)
_CAT22 = np.array([0, 0, 1, 2, 2, 2, 0, 0, 2, 1, 1, 1, 3], dtype=np.int8)
_T6 = "(ELN 2022 Table 6)"
_TEXT22 = {
    D_T821: "t(8;21)(q22;q22.1) -> favorable " + _T6,
    D_INV16: "inv(16)(p13.1q22)/t(16;16)(p13.1;q22) -> favorable " + _T6,
    D_T911: "t(9;11)(p21.3;q23.3) -> intermediate (ELN 2022 Table 6; precedes adverse genes)",
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
_UNC22 = ("NPM1 not tested", "FLT3-ITD not tested/unspecified", "CEBPA variant unspecified")


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


def _decide22(cbf821, inv16, t911, adv_cyto, informative, npm1, itd, bzip, tp53, mr):
    """ELN 2022 precedence (module docstring) on arrays or scalars; returns decision codes."""
    class_mut = npm1 | bzip | tp53 | mr
    conds = [
        cbf821,
        inv16,
        t911,
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
    codes = [
        D_T821,
        D_INV16,
        D_T911,
        D_NPM1_ADV_CYTO,
        D_ADV_CYTO,
        D_NOINFO,
        D_TP53,
        D_NPM1,
        D_CEBPA,
        D_MR,
        D_NPM1_ITD,
        D_ITD,
    ]
    return np.select(conds, codes, D_OTHER)


def eln2022_one(karyotype: Karyotype | str | None, findings: GeneFindings) -> tuple[str, str]:
    """ELN 2022 risk of one patient, row by row (Döhner et al., Blood 2022;140:1345-77 Table 6).

    Reference implementation of ``eln2022_risk``: returns (category, reason).
    """
    k = karyotype if isinstance(karyotype, Karyotype) else parse_karyotype(karyotype)
    les = k.lesions
    cyto = [x for x in ADVERSE_LESIONS if x in les]
    mr = [g for g in MR_GENES if findings.get(g) == MUTATED]
    kstat = _KSTAT[k.status]
    npm1_unc = findings.get("NPM1") == NOT_TESTED
    itd_unc = findings.flt3_itd == UNSPEC
    bzip_unc = findings.cebpa_bzip == UNSPEC
    unc = int(npm1_unc) | int(itd_unc) << 1 | int(bzip_unc) << 2
    results = []
    for n, f, c in itertools.product((False, True), repeat=3):
        npm1 = n if npm1_unc else findings.get("NPM1") == MUTATED
        itd = f if itd_unc else findings.flt3_itd == YES
        bzip = c if bzip_unc else findings.cebpa_bzip == YES
        code = int(
            _decide22(
                np.bool_("t_8_21" in les),
                np.bool_("inv_16" in les),
                np.bool_("t_9_11" in les),
                np.bool_(bool(cyto)),
                np.bool_(kstat == 2),
                np.bool_(npm1),
                np.bool_(itd),
                np.bool_(bzip),
                np.bool_(findings.tp53_adverse_2022),
                np.bool_(bool(mr)),
            )
        )
        results.append(code)
    cats = {int(_CAT22[c]) for c in results}
    base = results[0]
    if len(cats) > 1:
        return UNKNOWN, _reason22(base, cyto, mr, kstat, unc, 1)
    return str(_CATS[_CAT22[base]]), _reason22(base, cyto, mr, kstat, unc, 0)


def _nullable_flag(found: np.ndarray, informative: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(found.astype(bool), ~(found | informative))


def _build_reasons(combo: np.ndarray, builder) -> np.ndarray:
    codes, uniques = pd.factorize(combo)
    texts = np.array([builder(int(x)) for x in uniques], dtype=object)
    return texts[codes]


def eln2022_risk(patients: pd.DataFrame, mutations: pd.DataFrame) -> pd.DataFrame:
    """ELN 2022 genetic risk per patient (Döhner et al., Blood 2022;140:1345-77, Table 6).

    Returns one row per patient, in ``patients`` order, with ``ELN2022_COLUMNS``:
    ``centre_id, patient_id, eln2022`` (favorable/intermediate/adverse/unknown),
    ``eln2022_reason``, ``adverse_cytogenetics``, ``complex_karyotype``,
    ``monosomal_karyotype`` (nullable bool) and ``karyotype_unparsed`` (text or None).
    """
    n = len(patients)
    kt = _text_col(patients, "karyotype", n)
    flags = parse_karyotypes(kt)
    f = _findings_arrays(patients, mutations)
    kstat = flags["karyotype_status"].map(_KSTAT).to_numpy(dtype=np.int64)
    informative = kstat == 2
    les = {name: flags[name].to_numpy(dtype=bool) for name in LESIONS}
    adv_mask = np.zeros(n, dtype=np.int64)
    for i, name in enumerate(ADVERSE_LESIONS):
        adv_mask |= les[name].astype(np.int64) << i
    adv_cyto = adv_mask > 0
    status = f["status"]
    mr_mask = np.zeros(n, dtype=np.int64)
    for i, g in enumerate(MR_GENES):
        mr_mask |= (status[:, _GENE_CODE[g]] == MUTATED).astype(np.int64) << i
    npm1_known = status[:, _GENE_CODE["NPM1"]]
    npm1_unc = npm1_known == NOT_TESTED
    itd_unc = f["itd"] == UNSPEC
    bzip_unc = f["bzip"] == UNSPEC
    unc = npm1_unc.astype(np.int64) | itd_unc.astype(np.int64) << 1
    unc |= bzip_unc.astype(np.int64) << 2
    base_code = None
    agree = np.ones(n, dtype=bool)
    for nv, fv, cv in itertools.product((False, True), repeat=3):
        code = _decide22(
            les["t_8_21"],
            les["inv_16"],
            les["t_9_11"],
            adv_cyto,
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
    combo = (
        base_code.astype(np.int64)
        | adv_mask << 4
        | mr_mask << 15
        | kstat << 24
        | unc << 26
        | kind << 29
    )

    def build(x: int) -> str:
        return _reason22(
            x & 15,
            [name for i, name in enumerate(ADVERSE_LESIONS) if x >> (4 + i) & 1],
            [g for i, g in enumerate(MR_GENES) if x >> (15 + i) & 1],
            x >> 24 & 3,
            x >> 26 & 7,
            x >> 29 & 1,
        )

    return pd.DataFrame(
        {
            "centre_id": patients["centre_id"].to_numpy(),
            "patient_id": patients["patient_id"].to_numpy(),
            "eln2022": _CATS[cat],
            "eln2022_reason": _build_reasons(combo, build),
            "adverse_cytogenetics": _nullable_flag(adv_cyto, informative),
            "complex_karyotype": _nullable_flag(les["complex_karyotype"], informative),
            "monosomal_karyotype": _nullable_flag(les["monosomal_karyotype"], informative),
            "karyotype_unparsed": flags["karyotype_unparsed"].to_numpy(dtype=object),
        },
        index=patients.index,
    )


# --------------------------------------------------------------------------------------
# ELN 2024
# --------------------------------------------------------------------------------------

E_TP53, E_DDX41, E_INT, E_NPM1, E_IDH2, E_IDH1, E_OTHER = range(7)
_CAT24 = np.array([2, 0, 1, 0, 0, 0, 0], dtype=np.int8)
_T1 = "(ELN 2024 Table 1)"
_NEG = "FLT3-ITD neg, NRAS/KRAS wt, TP53 wt"
_TEXT24 = {
    E_TP53: "TP53 mutated -> adverse " + _T1,
    E_DDX41: "DDX41 mutated, TP53 wt -> favorable " + _T1,
    E_INT: "{act}, TP53 wt -> intermediate " + _T1,
    E_NPM1: f"NPM1 mutated ({_NEG}) -> favorable " + _T1,
    E_IDH2: f"IDH2 mutated ({_NEG}) -> favorable " + _T1,
    E_IDH1: f"IDH1 mutated ({_NEG}; general rule, not AZA+IVO) -> favorable " + _T1,
    E_OTHER: f"other findings ({_NEG}) -> favorable " + _T1,
}
_ACT = ("FLT3-ITD positive", "NRAS mutated", "KRAS mutated")
_UNC24 = (
    "TP53 not tested",
    "FLT3-ITD not tested/unspecified",
    "NRAS not tested",
    "KRAS not tested",
)


def _reason24(code: int, act: int, unc: int, kind: int) -> str:
    notes = [u for i, u in enumerate(_UNC24) if unc >> i & 1]
    if kind == 1:
        return "unknown: result depends on " + "; ".join(notes)
    text = _TEXT24[code].format(act=" and ".join(a for i, a in enumerate(_ACT) if act >> i & 1))
    if notes:
        text += " [" + "; ".join(notes) + ": no effect]"
    return text


def _decide24(tp53, ddx41, itd, nras, kras, npm1, idh2, idh1):
    """ELN 2024 less-intensive precedence (Döhner 2024 Table 1) on arrays or scalars."""
    return np.select(
        [tp53, ddx41, itd | nras | kras, npm1, idh2, idh1],
        [E_TP53, E_DDX41, E_INT, E_NPM1, E_IDH2, E_IDH1],
        E_OTHER,
    )


def _applicable(prior_hma: pd.Series | None, index: pd.Index) -> np.ndarray:
    if prior_hma is None:
        return np.ones(len(index), dtype=bool)
    prior = pd.Series(prior_hma).reindex(index).astype("boolean")
    return ~prior.fillna(False).to_numpy(dtype=bool)


def eln2024_one(findings: GeneFindings) -> tuple[str, str]:
    """ELN 2024 less-intensive risk of one patient (Döhner et al., Blood 2024;144:2169-73
    Table 1); reference implementation of ``eln2024_risk``. Returns (category, reason)."""
    genes = ("TP53", "FLT3", "NRAS", "KRAS")
    unc_flags = [
        findings.get("TP53") == NOT_TESTED,
        findings.flt3_itd == UNSPEC,
        findings.get("NRAS") == NOT_TESTED,
        findings.get("KRAS") == NOT_TESTED,
    ]
    known = [
        findings.get("TP53") == MUTATED,
        findings.flt3_itd == YES,
        findings.get("NRAS") == MUTATED,
        findings.get("KRAS") == MUTATED,
    ]
    unc = sum(int(u) << i for i, u in enumerate(unc_flags))
    codes, acts = [], []
    for combo in itertools.product((False, True), repeat=len(genes)):
        vals = [c if u else k for c, u, k in zip(combo, unc_flags, known, strict=True)]
        code = int(
            _decide24(
                np.bool_(vals[0]),
                np.bool_(findings.get("DDX41") == MUTATED),
                np.bool_(vals[1]),
                np.bool_(vals[2]),
                np.bool_(vals[3]),
                np.bool_(findings.get("NPM1") == MUTATED),
                np.bool_(findings.get("IDH2") == MUTATED),
                np.bool_(findings.get("IDH1") == MUTATED),
            )
        )
        codes.append(code)
        acts.append(int(vals[1]) | int(vals[2]) << 1 | int(vals[3]) << 2)
    if len({int(_CAT24[c]) for c in codes}) > 1:
        return UNKNOWN, _reason24(codes[0], acts[0], unc, 1)
    return str(_CATS[_CAT24[codes[0]]]), _reason24(codes[0], acts[0], unc, 0)


def eln2024_risk(
    patients: pd.DataFrame, mutations: pd.DataFrame, prior_hma: pd.Series | None = None
) -> pd.DataFrame:
    """ELN 2024 less-intensive genetic risk (Döhner et al., Blood 2024;144:2169-73, Table 1).

    Returns one row per patient, in ``patients`` order, with ``ELN2024_COLUMNS``:
    ``centre_id, patient_id, eln2024`` (favorable/intermediate/adverse/unknown),
    ``eln2024_reason`` and ``eln2024_applicable`` (False when ``prior_hma`` is True).
    """
    n = len(patients)
    f = _findings_arrays(patients, mutations)
    st = f["status"]

    def mut(g: str) -> np.ndarray:
        return st[:, _GENE_CODE[g]] == MUTATED

    unc_flags = [
        st[:, _GENE_CODE["TP53"]] == NOT_TESTED,
        f["itd"] == UNSPEC,
        st[:, _GENE_CODE["NRAS"]] == NOT_TESTED,
        st[:, _GENE_CODE["KRAS"]] == NOT_TESTED,
    ]
    known = [mut("TP53"), f["itd"] == YES, mut("NRAS"), mut("KRAS")]
    unc = np.zeros(n, dtype=np.int64)
    for i, u in enumerate(unc_flags):
        unc |= u.astype(np.int64) << i
    base = base_act = None
    agree = np.ones(n, dtype=bool)
    for combo in itertools.product((False, True), repeat=4):
        vals = [np.where(u, c, k) for c, u, k in zip(combo, unc_flags, known, strict=True)]
        code = _decide24(
            vals[0], mut("DDX41"), vals[1], vals[2], vals[3], mut("NPM1"), mut("IDH2"), mut("IDH1")
        )
        if base is None:
            base = code
            base_act = (
                vals[1].astype(np.int64)
                | vals[2].astype(np.int64) << 1
                | vals[3].astype(np.int64) << 2
            )
        else:
            agree &= _CAT24[code] == _CAT24[base]
    cat = np.where(agree, _CAT24[base], 3)
    combo_key = base.astype(np.int64) | base_act << 3 | unc << 6 | (~agree).astype(np.int64) << 10

    def build(x: int) -> str:
        return _reason24(x & 7, x >> 3 & 7, x >> 6 & 15, x >> 10 & 1)

    return pd.DataFrame(
        {
            "centre_id": patients["centre_id"].to_numpy(),
            "patient_id": patients["patient_id"].to_numpy(),
            "eln2024": _CATS[cat],
            "eln2024_reason": _build_reasons(combo_key, build),
            "eln2024_applicable": _applicable(prior_hma, patients.index),
        },
        index=patients.index,
    )
