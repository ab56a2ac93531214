"""Registry-level data-quality expectations and data docs (great-expectations, no Dagster).

Checks are generated from the canonical data dictionary in the three kinds of the OHDSI
Data Quality Dashboard (conformance, completeness, plausibility; Blacketer et al., JAMIA 2021).
"""

from data_quality.expectations import (
    DataQualityThresholds,
    ExpectationSpec,
    generate_expectation_specs,
)
from data_quality.profile import build_patient_profile
from data_quality.validation import (
    RESULT_COLUMNS,
    DataDocsSummary,
    SuiteSummary,
    build_data_docs,
)

__all__ = [
    "RESULT_COLUMNS",
    "DataDocsSummary",
    "DataQualityThresholds",
    "ExpectationSpec",
    "SuiteSummary",
    "build_data_docs",
    "build_patient_profile",
    "generate_expectation_specs",
]
