"""Pure statistics engine of the registry (no Dagster): survival and competing-risks
estimators and tests that agree with R (survival, cmprsk), Cox and Fine-Gray models, the
characteristics-table tests and propensity matching."""

from survival_stats.competing_risks import CompetingRisks, competing_risks
from survival_stats.cox import (
    CoxResult,
    cause_specific_cox,
    cox_ph,
    multivariable_model,
    univariate_screen,
)
from survival_stats.cumulative_incidence import CIFCurve, cif_confint, cumulative_incidence
from survival_stats.fine_gray import FineGrayResult, fine_gray, fine_gray_model
from survival_stats.gray_test import GrayTest, gray_test
from survival_stats.group_tests import (
    categorical_test,
    chi_square,
    fisher_exact,
    kruskal_wallis,
    mann_whitney,
)
from survival_stats.kaplan_meier import (
    KMCurve,
    kaplan_meier,
    km_median,
    reverse_km_median_followup,
)
from survival_stats.logrank import LogRankTest, logrank_test, logrank_trend_test
from survival_stats.matching import MatchResult, propensity_match
from survival_stats.query import estimate_from_duckdb, format_table

__all__ = [
    "CIFCurve", "CompetingRisks", "CoxResult", "FineGrayResult", "GrayTest", "KMCurve", "LogRankTest",
    "MatchResult", "categorical_test", "cause_specific_cox", "chi_square", "cif_confint", "competing_risks",
    "cox_ph", "cumulative_incidence", "estimate_from_duckdb", "fine_gray", "fine_gray_model",
    "fisher_exact", "format_table", "gray_test", "kaplan_meier", "km_median", "kruskal_wallis",
    "logrank_test", "logrank_trend_test", "mann_whitney", "multivariable_model",
    "propensity_match", "reverse_km_median_followup", "univariate_screen",
]
