"""Pure statistics engine of the registry (no Dagster): survival and competing-risks
estimators and tests that agree with R (survival, cmprsk), Cox and Fine-Gray models, the
characteristics-table tests and propensity matching.

The estimators that need only numpy are imported here (their functions share names with
their modules, which the import system would otherwise bind on the package); the rest are
imported on first use (PEP 562 module ``__getattr__``), so that ``import survival_stats``
costs numpy only: pandas, scipy, duckdb and numba are loaded by the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from survival_stats.competing_risks import CompetingRisks, competing_risks
from survival_stats.cumulative_incidence import CIFCurve, cif_confint, cumulative_incidence
from survival_stats.gray_test import GrayTest, gray_test
from survival_stats.kaplan_meier import (
    KMCurve,
    kaplan_meier,
    km_median,
    km_quantile,
    reverse_km_median_followup,
    rmst,
)
from survival_stats.logrank import LogRankTest, logrank_test, logrank_trend_test

_EXPORTS: dict[str, str] = {
    "CoxResult": "cox", "cause_specific_cox": "cox", "cox_ph": "cox", "cox_zph": "cox",
    "multivariable_model": "cox", "univariate_screen": "cox",
    "FineGrayResult": "fine_gray", "fine_gray": "fine_gray", "fine_gray_model": "fine_gray",
    "categorical_test": "group_tests", "chi_square": "group_tests",
    "fisher_exact": "group_tests", "kruskal_wallis": "group_tests",
    "mann_whitney": "group_tests",
    "MatchResult": "matching", "propensity_match": "matching",
    "estimate_from_duckdb": "query", "format_table": "query",
}

__all__ = [
    "CIFCurve", "CompetingRisks", "CoxResult", "FineGrayResult", "GrayTest", "KMCurve",
    "LogRankTest", "MatchResult", "categorical_test", "cause_specific_cox", "chi_square",
    "cif_confint", "competing_risks", "cox_ph", "cox_zph", "cumulative_incidence",
    "estimate_from_duckdb", "fine_gray", "fine_gray_model", "fisher_exact", "format_table",
    "gray_test", "kaplan_meier", "km_median", "km_quantile", "kruskal_wallis", "logrank_test",
    "logrank_trend_test", "mann_whitney", "multivariable_model", "propensity_match",
    "reverse_km_median_followup", "rmst", "univariate_screen",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'survival_stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"survival_stats.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # static analysers see the real names
    from survival_stats.cox import (  # noqa: F401
        CoxResult,
        cause_specific_cox,
        cox_ph,
        cox_zph,
        multivariable_model,
        univariate_screen,
    )
    from survival_stats.fine_gray import FineGrayResult, fine_gray, fine_gray_model  # noqa: F401
    from survival_stats.group_tests import (  # noqa: F401
        categorical_test,
        chi_square,
        fisher_exact,
        kruskal_wallis,
        mann_whitney,
    )
    from survival_stats.matching import MatchResult, propensity_match  # noqa: F401
    from survival_stats.query import estimate_from_duckdb, format_table  # noqa: F401
