"""Synthetic multicentre ProMISE registry generator (pure Python, no Dagster).

Writes a landing area per ../shared/spec/export-format.md: 12 AZA/VEN centres and one IC
comparator centre, each in its own export dialect, calibrated to Bone Marrow Transplantation
2026 (AURAML/VENAURA). Entry point: :func:`generate_registry`.
"""

from synthetic_registry.generate import (
    DEFAULT_SEED,
    GenerationSummary,
    generate_registry,
    simulate_truth,
)

__all__ = ["DEFAULT_SEED", "GenerationSummary", "generate_registry", "simulate_truth"]
