"""The one configuration place for the numeric cut-offs of the clinical rules.

Source: ../shared/spec/clinical-rules.md ("MRD", "Transplant variables", "GVHD"). The
thresholds are passed into the rule functions (never read from globals inside them) so
that every harmonised result can report the values it was computed with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ClinicalThresholds:
    """Cut-offs used by the harmonised clinical rules (defaults = the study's values).

    MRD (ELN MRD working party, Heuser et al., Blood 2021;138:2753):
    - ``mrd_mfc_positive_pct``: MFC on bone marrow is positive when value >= this (%).
    - ``mrd_npm1_negative_max``: NPM1 RT-qPCR is negative when ratio <= this.
    - ``mrd_wt1_pb_negative_max``: WT1 RT-qPCR on peripheral blood is negative when <= this.
    - ``mrd_window_days``: measurements from hsct_date - window to hsct_date (both ends
      inclusive) count as pre-transplant.
    Chimerism (clinical-rules.md, "Transplant variables"):
    - ``chimerism_d30_recipient_pct``: day-30 marrow recipient chimerism >= this is flagged.
    - ``chimerism_d90_partial_recipient_pct``: day-90 recipient >= this = partial chimerism.
    GVHD (modified Glucksberg; clinical-rules.md, "GVHD"):
    - ``agvhd_window_days``: acute GVHD counts only with onset 0..window days after day 0.
    """

    mrd_mfc_positive_pct: float = 0.1
    mrd_npm1_negative_max: float = 1e-4
    mrd_wt1_pb_negative_max: float = 1e-3
    mrd_window_days: int = 28
    chimerism_d30_recipient_pct: float = 5.0
    chimerism_d90_partial_recipient_pct: float = 1.0
    agvhd_window_days: int = 100

    def as_dict(self) -> dict[str, float | int]:
        """The thresholds as a plain dict (for metadata and the result's provenance)."""
        return asdict(self)


DEFAULT_THRESHOLDS = ClinicalThresholds()
