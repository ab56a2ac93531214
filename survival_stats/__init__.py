"""Pure statistics engine of the registry (no Dagster): survival and competing-risks
estimators and tests that agree with R (survival, cmprsk), Cox and Fine-Gray models, the
characteristics-table tests and propensity matching.

Every public name is imported on first use (PEP 562 module ``__getattr__``), so that
``import survival_stats`` loads no numpy, pandas, scipy, duckdb or numba: each estimator loads
what it needs when called.

Five functions share their names with their modules (``competing_risks``,
``cumulative_incidence``, ``gray_test``, ``kaplan_meier``, ``fine_gray``). The import system
binds a submodule on its package when the submodule is first imported, which would shadow the
function of that name; :class:`_Package` keeps the function (the modules stay importable as
``importlib.import_module("survival_stats.kaplan_meier")``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "CompetingRisks": "competing_risks", "competing_risks": "competing_risks",
    "CIFCurve": "cumulative_incidence", "cif_confint": "cumulative_incidence",
    "cumulative_incidence": "cumulative_incidence",
    "GrayTest": "gray_test", "gray_test": "gray_test",
    "KMCurve": "kaplan_meier", "kaplan_meier": "kaplan_meier", "km_median": "kaplan_meier",
    "km_quantile": "kaplan_meier", "reverse_km_median_followup": "kaplan_meier",
    "rmst": "kaplan_meier",
    "LogRankTest": "logrank", "logrank_test": "logrank", "logrank_trend_test": "logrank",
    "CoxResult": "cox", "cause_specific_cox": "cox", "cox_ph": "cox", "cox_zph": "cox",
    "multivariable_model": "cox", "univariate_screen": "cox",
    "FineGrayResult": "fine_gray", "fine_gray": "fine_gray", "fine_gray_model": "fine_gray",
    "categorical_test": "group_tests", "chi_square": "group_tests",
    "fisher_exact": "group_tests", "kruskal_wallis": "group_tests",
    "mann_whitney": "group_tests",
    "MatchResult": "matching", "propensity_match": "matching",
    "estimate_from_duckdb": "query", "format_table": "query",
}

#: Exported functions named as their own module (the function wins on the package).
_SHADOWED = frozenset(name for name, module in _EXPORTS.items() if name == module)

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """The package module: a submodule import does not overwrite the exported function that
    has the submodule's name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    from survival_stats.competing_risks import CompetingRisks, competing_risks  # noqa: F401
    from survival_stats.cox import (  # noqa: F401
        CoxResult,
        cause_specific_cox,
        cox_ph,
        cox_zph,
        multivariable_model,
        univariate_screen,
    )
    from survival_stats.cumulative_incidence import (  # noqa: F401
        CIFCurve,
        cif_confint,
        cumulative_incidence,
    )
    from survival_stats.fine_gray import FineGrayResult, fine_gray, fine_gray_model  # noqa: F401
    from survival_stats.gray_test import GrayTest, gray_test  # noqa: F401
    from survival_stats.group_tests import (  # noqa: F401
        categorical_test,
        chi_square,
        fisher_exact,
        kruskal_wallis,
        mann_whitney,
    )
    from survival_stats.kaplan_meier import (  # noqa: F401
        KMCurve,
        kaplan_meier,
        km_median,
        km_quantile,
        reverse_km_median_followup,
        rmst,
    )
    from survival_stats.logrank import LogRankTest, logrank_test, logrank_trend_test  # noqa: F401
    from survival_stats.matching import MatchResult, propensity_match  # noqa: F401
    from survival_stats.query import estimate_from_duckdb, format_table  # noqa: F401
