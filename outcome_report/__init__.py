"""Standard outcome report of the registry (study: Bone Marrow Transplantation 2026), built from
`analysis.patients`/`analysis.endpoints` with survival_stats (R survival/cmprsk conventions)."""

from outcome_report.render import ReportResult, render_report
from outcome_report.tables import FIGURES, SNAPSHOT_COLUMNS, TABLE_COLUMNS, build_outcome_tables

__all__ = ["FIGURES", "SNAPSHOT_COLUMNS", "TABLE_COLUMNS", "ReportResult",
           "build_outcome_tables", "render_report"]
