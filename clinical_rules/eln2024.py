"""ELN 2024 genetic risk for patients on less-intensive therapy (Döhner et al., Blood
2024;144:2169-73, Table 1), from mutation rows normalised by ``clinical_rules.molecular_text``.

Molecular only (the karyotype and fusions play no part). TP53 mutated (any VAF) -> adverse;
DDX41 mutated with TP53 wild type -> favorable whatever FLT3-ITD/RAS; FLT3-ITD and/or NRAS/KRAS
mutated, TP53 wild type -> intermediate; otherwise (NPM1, IDH2, IDH1 -- venetoclax registry, the
AZA+IVO exception is not applied -- or any other finding, normal karyotype included) with
FLT3-ITD negative, NRAS/KRAS wild type, TP53 wild type -> favorable. Untested TP53, FLT3-ITD,
NRAS or KRAS gives ``unknown`` when the category depends on it (TP53 mutated decides alone;
TP53 wt + FLT3-ITD positive is intermediate whatever RAS); untested DDX41 counts as not
mutated. ``eln2024_applicable`` is False when ``prior_hma`` is True (missing -> applicable).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from clinical_rules.eln2022 import CATS as _CATS
from clinical_rules.eln2022 import UNKNOWN
from clinical_rules.eln2022 import build_reasons as _build_reasons
from clinical_rules.eln_findings import GENE_CODE as _GENE_CODE
from clinical_rules.eln_findings import (
    MUTATED,
    NOT_TESTED,
    UNSPEC,
    YES,
    GeneFindings,
)
from clinical_rules.eln_findings import findings_arrays as _findings_arrays

__all__ = ["ELN2024_COLUMNS", "eln2024_one", "eln2024_risk"]

ELN2024_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "patient_id",
    "eln2024",
    "eln2024_reason",
    "eln2024_applicable",
)

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
