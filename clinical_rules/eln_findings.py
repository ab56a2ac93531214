"""Per-patient molecular findings for the ELN rules, from mutation rows normalised by
``clinical_rules.molecular_text`` (row by row and vectorised, with identical results).

Sources: Döhner et al., Blood 2022;140:1345-77, Table 6 (ELN 2022); Döhner et al., Blood
2024;144:2169-73, Table 1 (ELN 2024). Rules as written in spec/clinical-rules.md.

* A gene without a row, or whose rows all have ``detected`` missing or unreadable text, is
  *not tested*. Fusion rows (``RUNX1::RUNX1T1``, or a partner's row naming the fusion) report a
  rearrangement, never a mutation of the partner: they set lesion bits, no gene status.
* FLT3-ITD: positive > explicitly negative > unspecified > not ITD (TKD, tested wild type) over
  a patient's FLT3 rows; FLT3 not tested or detected without variant text is unspecified.
* CEBPA bZIP in-frame: yes > unspecified > no over the rows; untested counts as no.
* TP53 (ELN 2022): adverse with VAF >= 0.10 (vaf column, else a VAF written in the text);
  TP53 detected with VAF missing is counted as adverse (documented choice: NGS reports list
  TP53 calls above the clinical reporting threshold; the data-quality report lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clinical_rules.iscn_lesions import LESION_BIT
from clinical_rules.molecular_text import MolecularCall, normalise_mutation

__all__ = [
    "MR_GENES",
    "STATUS_GENES",
    "TP53_VAF_CUTOFF",
    "GeneFindings",
    "findings_arrays",
    "gene_findings_one",
    "merge_kmt2a",
    "mutation_calls",
    "mutation_findings",
    "patient_positions",
]

#: myelodysplasia-related genes, ELN 2022 Table 6 (adverse unless with a favourable subtype).
MR_GENES: tuple[str, ...] = (
    "ASXL1", "BCOR", "EZH2", "RUNX1", "SF3B1", "SRSF2", "STAG2", "U2AF1", "ZRSR2",
)
#: ELN 2022 Table 6 footnote: TP53 adverse at VAF >= 10 %.
TP53_VAF_CUTOFF: float = 0.10
STATUS_GENES: tuple[str, ...] = (
    "NPM1", "FLT3", "CEBPA", "TP53", "IDH1", "IDH2", "DDX41", "NRAS", "KRAS", *MR_GENES,
)
GENE_CODE = {g: i for i, g in enumerate(STATUS_GENES)}
NOT_TESTED, WILD_TYPE, MUTATED = 0, 1, 2
STATUS_NAMES = np.array(["not_tested", "wild_type", "mutated"], dtype=object)
# tri-state codes for FLT3-ITD and CEBPA bZIP in-frame
NO, YES, UNSPEC = 0, 1, 2
TRI_NAMES = np.array(["negative", "positive", "unknown"], dtype=object)
# FLT3-ITD rank (molecular_text) -> tri-state; index rank + 1 (rank -1: no FLT3 row)
_ITD_OF_RANK = np.array([UNSPEC, NO, UNSPEC, NO, YES], dtype=np.int8)
_BZIP_OF_RANK = np.array([NO, NO, UNSPEC, YES], dtype=np.int8)
_KMT2A_EITHER = LESION_BIT["t_9_11"] | LESION_BIT["kmt2a_r"]


@dataclass(frozen=True)
class GeneFindings:
    """Mutation findings of one patient: gene status codes, the derived tri-states, and the
    rearrangements reported as fusions (lesion bit masks, primary and alternative reading)."""

    status: Mapping[str, int]
    flt3_itd: int  # NO / YES / UNSPEC (not tested or variant unspecified)
    cebpa_bzip: int  # NO / YES / UNSPEC (detected, variant unspecified)
    tp53_adverse_2022: bool
    fusion_mask: int = 0
    fusion_alternative: int = 0
    issues: tuple[str, ...] = field(default=())

    def get(self, gene: str) -> int:
        """Status code of ``gene`` (NOT_TESTED when absent)."""
        return self.status.get(gene, NOT_TESTED)


def _vaf(value: object, call: MolecularCall) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = float("nan")
    if np.isnan(v) and call.vaf_text is not None:
        v = call.vaf_text
    return v


def gene_findings_one(rows: Iterable[Mapping[str, object]]) -> GeneFindings:
    """Row-by-row summary of one patient's mutation rows (reference for ``mutation_findings``)."""
    tested: set[str] = set()
    mutated: set[str] = set()
    itd_rank, bzip_rank, tp53_adv = -1, -1, False
    fus = alt = 0
    issues: list[str] = []
    for r in rows:
        call = normalise_mutation(r.get("gene"), r.get("detected"), r.get("variant"))
        if call.issue:
            issues.append(call.issue)
        if call.fusion_detected:
            fus |= LESION_BIT[call.lesion]  # type: ignore[index]
            alt |= LESION_BIT[call.alternative]  # type: ignore[index]
        if call.gene is None or call.mutated is None:
            continue
        if call.gene in GENE_CODE:
            tested.add(call.gene)
            if call.mutated:
                mutated.add(call.gene)
        itd_rank = max(itd_rank, call.itd)
        bzip_rank = max(bzip_rank, call.bzip)
        if call.gene == "TP53" and call.mutated:
            v = _vaf(r.get("vaf"), call)
            tp53_adv |= bool(np.isnan(v) or v >= TP53_VAF_CUTOFF)
    status = {g: (MUTATED if g in mutated else WILD_TYPE) for g in tested}
    return GeneFindings(status, int(_ITD_OF_RANK[itd_rank + 1]), int(_BZIP_OF_RANK[bzip_rank + 1]),
                        tp53_adv, fus, alt, tuple(issues))


def merge_kmt2a(cyto: np.ndarray | int, fusion: np.ndarray | int):  # noqa: ANN201
    """Fusion lesion bits to add to a karyotype's: when the karyotype already names the KMT2A
    rearrangement (t(9;11) or another partner), a fusion result's KMT2A bits add nothing."""
    named = (np.asarray(cyto) & _KMT2A_EITHER) != 0
    out = np.where(named, np.asarray(fusion) & ~_KMT2A_EITHER, fusion)
    return int(out) if np.ndim(out) == 0 else out


def patient_positions(
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


def _column(frame: pd.DataFrame, col: str) -> pd.Series:
    if col in frame.columns:
        return frame[col]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def mutation_calls(mutations: pd.DataFrame) -> tuple[list[MolecularCall], np.ndarray]:
    """Normalise each distinct (gene, detected, variant) once: (calls, call index per row)."""
    keys = []
    uniques = []
    for col in ("gene", "detected", "variant"):
        values = _column(mutations, col)
        if col == "detected" and values.dtype != "boolean":
            values = values.astype("boolean")
        c, u = pd.factorize(values, use_na_sentinel=True)
        keys.append(c.astype(np.int64) + 1)  # 0 = missing
        uniques.append(u)
    sizes = [len(u) + 1 for u in uniques]
    combined = (keys[0] * sizes[1] + keys[1]) * sizes[2] + keys[2]
    codes, distinct = pd.factorize(combined)

    def value(i: int, k: int) -> object:
        return None if k == 0 else uniques[i][k - 1]

    calls = []
    for key in distinct:
        k2 = int(key % sizes[2])
        k1 = int(key // sizes[2] % sizes[1])
        k0 = int(key // sizes[2] // sizes[1])
        calls.append(normalise_mutation(value(0, k0), value(1, k1), value(2, k2)))
    return calls, codes


def findings_arrays(patients: pd.DataFrame, mutations: pd.DataFrame) -> dict[str, np.ndarray]:
    """Vectorised ``gene_findings_one`` for every patient (in ``patients`` order): ``status``
    (n x genes), ``itd``, ``bzip``, ``tp53_adv``, ``fusion``/``fusion_alt`` lesion masks."""
    n = len(patients)
    calls, codes = mutation_calls(mutations)
    c_gene = np.array([GENE_CODE.get(c.gene, -1) if c.gene else -1 for c in calls] + [-1],
                      dtype=np.int64)
    c_mut = np.array([-1 if c.mutated is None or c.gene is None else int(c.mutated)
                      for c in calls] + [-1], dtype=np.int64)
    c_itd = np.array([c.itd for c in calls] + [-1], dtype=np.int64)
    c_bzip = np.array([c.bzip for c in calls] + [-1], dtype=np.int64)
    c_fus = np.array([LESION_BIT[c.lesion] if c.fusion_detected else 0 for c in calls] + [0],
                     dtype=np.int64)
    c_alt = np.array([LESION_BIT[c.alternative] if c.fusion_detected else 0 for c in calls]
                     + [0], dtype=np.int64)
    c_vtext = np.array([np.nan if c.vaf_text is None else c.vaf_text for c in calls] + [np.nan])
    idx = np.where(codes < 0, len(calls), codes)
    gene, mut, itd, bzip = c_gene[idx], c_mut[idx], c_itd[idx], c_bzip[idx]
    inverse, pos, u = patient_positions(patients, mutations)
    found = pos >= 0
    ng = len(STATUS_GENES)
    tested = np.zeros((u, ng), dtype=bool)
    mutated = np.zeros((u, ng), dtype=bool)
    sel = found & (gene >= 0) & (mut >= 0)
    tested[pos[sel], gene[sel]] = True
    sel = sel & (mut == 1)
    mutated[pos[sel], gene[sel]] = True
    status = np.where(mutated, MUTATED, np.where(tested, WILD_TYPE, NOT_TESTED)).astype(np.int8)

    reported = found & (mut >= 0)
    itd_rank = np.full(u, -1, dtype=np.int64)
    np.maximum.at(itd_rank, pos[reported], itd[reported])
    bzip_rank = np.full(u, -1, dtype=np.int64)
    np.maximum.at(bzip_rank, pos[reported], bzip[reported])
    fus = np.zeros(u, dtype=np.int64)
    alt = np.zeros(u, dtype=np.int64)
    np.bitwise_or.at(fus, pos[found], c_fus[idx][found])
    np.bitwise_or.at(alt, pos[found], c_alt[idx][found])

    tp53 = found & (gene == GENE_CODE["TP53"]) & (mut == 1)
    vaf = pd.to_numeric(_column(mutations, "vaf"), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)
    vaf = np.where(np.isnan(vaf), c_vtext[idx], vaf)
    adv_rows = tp53 & (np.isnan(vaf) | (vaf >= TP53_VAF_CUTOFF))
    tp53_adv = np.zeros(u, dtype=bool)
    tp53_adv[pos[adv_rows]] = True

    take = inverse if n else np.zeros(0, dtype=np.int64)
    return {
        "status": status[take],
        "itd": _ITD_OF_RANK[itd_rank + 1][take],
        "bzip": _BZIP_OF_RANK[bzip_rank + 1][take],
        "tp53_adv": tp53_adv[take],
        "fusion": fus[take],
        "fusion_alt": alt[take],
    }


def mutation_findings(patients: pd.DataFrame, mutations: pd.DataFrame) -> pd.DataFrame:
    """Pivot mutation rows to one row per patient (order of ``patients``), vectorised.

    Columns: one per gene of interest (NPM1, FLT3, CEBPA, TP53, IDH1, IDH2, DDX41, NRAS, KRAS
    and the ELN 2022 MR genes) with ``mutated``/``wild_type``/``not_tested``; ``FLT3_ITD`` and
    ``CEBPA_bZIP_inframe`` (positive/negative/unknown); ``TP53_adverse_2022`` (bool).
    """
    arrays = findings_arrays(patients, mutations)
    out = pd.DataFrame(
        {g: STATUS_NAMES[arrays["status"][:, i]] for i, g in enumerate(STATUS_GENES)},
        index=patients.index,
    )
    out["FLT3_ITD"] = TRI_NAMES[arrays["itd"]]
    out["CEBPA_bZIP_inframe"] = TRI_NAMES[arrays["bzip"]]
    out["TP53_adverse_2022"] = arrays["tp53_adv"]
    return out

