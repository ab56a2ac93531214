"""Settings of the standard outcome report: disclosure control, stale deliveries, matching.

Read from the environment (``AML_REGISTRY_REPORT_MIN_CELL``, ``AML_REGISTRY_STALE_DAYS``,
``AML_REGISTRY_MATCH_AGE_CALIPER``); the defaults are the registry's rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from outcome_report.matching import DEFAULT_DESIGN, MatchingDesign


def _env_number(name: str, default: float, cast: type) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number") from exc
    if value < 0:
        raise ValueError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class ReportSettings:
    """``min_cell``: counts 1 to min_cell - 1 of a category are shown as ``<min_cell`` (with
    complementary suppression); 0 disables it. ``stale_after_days``: a centre whose current
    delivery is older than this many days at the report date is flagged as stale."""

    min_cell: int = 5
    stale_after_days: int = 180
    matching: MatchingDesign = field(default=DEFAULT_DESIGN)

    @classmethod
    def from_env(cls) -> ReportSettings:
        caliper = _env_number("AML_REGISTRY_MATCH_AGE_CALIPER",
                              DEFAULT_DESIGN.age_caliper_years, float)
        return cls(min_cell=int(_env_number("AML_REGISTRY_REPORT_MIN_CELL", 5, int)),
                   stale_after_days=int(_env_number("AML_REGISTRY_STALE_DAYS", 180, int)),
                   matching=MatchingDesign(age_caliper_years=caliper))
