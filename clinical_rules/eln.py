"""ELN genetic risk at diagnosis: ELN 2022 (intensive) and ELN 2024 (less-intensive therapy).

Sources: Döhner et al., Blood 2022;140:1345-77, Table 6 (ELN 2022); Döhner et al., Blood
2024;144:2169-73, Table 1 (ELN 2024); karyotypes read with ``clinical_rules.iscn`` (ISCN 2020),
molecular text with ``clinical_rules.molecular_text``. Rules as in spec/clinical-rules.md.

The rules are split by responsibility: ``eln_findings`` (per-patient molecular findings from
the normalised mutation rows), ``eln2022`` and ``eln2024`` (the classifications, each with a
row-by-row reference and a vectorised implementation that agree exactly). This module is the
public entry point and lists what the normalisers could not read (``genetic_parse_issues``).

Inputs are staging frames keyed by (``centre_id``, ``patient_id``): ``patients`` with
``karyotype``; ``mutations`` with ``gene``, ``detected`` (nullable bool), ``variant``, ``vaf``.
Output flags ``adverse_cytogenetics``, ``complex_karyotype``, ``monosomal_karyotype`` are
nullable booleans: True when found (karyotype, FISH or a fusion), False when an informative
karyotype lacks them, <NA> when the karyotype is missing or partly unparsed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinical_rules.eln2022 import ELN2022_COLUMNS, eln2022_one, eln2022_risk, text_column
from clinical_rules.eln2024 import ELN2024_COLUMNS, eln2024_one, eln2024_risk
from clinical_rules.eln_findings import (
    MR_GENES,
    TP53_VAF_CUTOFF,
    GeneFindings,
    gene_findings_one,
    mutation_calls,
    mutation_findings,
)
from clinical_rules.iscn import parse_karyotypes

__all__ = [
    "ELN2022_COLUMNS",
    "ELN2024_COLUMNS",
    "ISSUE_COLUMNS",
    "MR_GENES",
    "TP53_VAF_CUTOFF",
    "GeneFindings",
    "eln2022_one",
    "eln2022_risk",
    "eln2024_one",
    "eln2024_risk",
    "gene_findings_one",
    "genetic_parse_issues",
    "mutation_findings",
]

ISSUE_COLUMNS = ["centre_id", "patient_id", "variable", "reported", "derived", "reason"]


def genetic_parse_issues(patients: pd.DataFrame, mutations: pd.DataFrame) -> pd.DataFrame:
    """What the karyotype and molecular normalisers read but did not use, or could not read.

    One row per karyotype with unparsed tokens or notes (non-clonal changes, FISH copy-number
    findings, unreadable or microarray suffixes; variable ``karyotype``) and per mutation row the molecular
    normaliser could not read (variable ``mutation:<gene>``, derived ``unknown``), in the
    discrepancy layout (spec/architecture.md: harmonised.discrepancies).
    """
    parts = []
    kt = text_column(patients, "karyotype")
    flags = parse_karyotypes(kt)
    unread = flags["karyotype_unparsed"].map(
        lambda t: f"could not read {t!r} (karyotype partly unparsed)", na_action="ignore")
    reason = pd.concat([unread, flags["karyotype_notes"]], axis=1).apply(
        lambda r: "; ".join(x for x in r if isinstance(x, str)) or None, axis=1) \
        if len(flags) else pd.Series([], dtype=object)
    has_note = reason.notna().to_numpy(dtype=bool)
    if has_note.any():
        parts.append(pd.DataFrame({
            "centre_id": patients["centre_id"].to_numpy()[has_note],
            "patient_id": patients["patient_id"].to_numpy()[has_note],
            "variable": "karyotype",
            "reported": kt.to_numpy(dtype=object)[has_note],
            "derived": None,
            "reason": "ISCN 2020: " + reason.to_numpy(dtype=object)[has_note],
        }))
    if len(mutations) and "gene" in mutations.columns:
        calls, codes = mutation_calls(mutations)
        issue = np.array([c.issue for c in calls] + [None], dtype=object)
        row_issue = issue[np.where(codes < 0, len(calls), codes)]
        bad = pd.notna(row_issue)
        if bad.any():
            m = mutations.loc[bad]
            variant = text_column(m, "variant").astype(object).where(
                text_column(m, "variant").notna(), "")
            parts.append(pd.DataFrame({
                "centre_id": m["centre_id"].to_numpy(),
                "patient_id": m["patient_id"].to_numpy(),
                "variable": "mutation:" + m["gene"].astype(str).str.strip().to_numpy(dtype=object),
                "reported": (m["gene"].astype(str) + " " + variant.astype(str)).str.strip()
                .to_numpy(dtype=object),
                "derived": "unknown",
                "reason": "molecular text: " + row_issue[bad],
            }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[ISSUE_COLUMNS]
