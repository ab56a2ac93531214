"""Cox proportional hazards with R's conventions (our own fit, ``coxph_fit``), univariate
screen and the multivariable model in the study's "Table 2" form; cause-specific Cox for
competing endpoints; the Schoenfeld-residual PH test (``cox.zph``).

Cox (1972) JRSS B 34:187; Efron (1977) JASA 72:557. The fit is
:func:`survival_stats.coxph_fit.coxph_fit`, a port of survival's ``coxfit6`` (same iterates,
same stopping rule), so coefficients, SEs, log-likelihoods and tests equal R
``survival::coxph`` to ~1e-12; Efron (R's default) and Breslow ties, strata, case weights and
cluster-robust SEs. lifelines (Efron only, a different stopping rule) stays as a cross-check
in the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from survival_stats._arrays import chi2_sf, normal_two_sided_p, z_value
from survival_stats._validate import as_codes, check_times, check_weights
from survival_stats.cox_diagnostics import sorted_concordance, zph_statistics, zph_tests
from survival_stats.coxph_fit import (
    CoxData,
    CoxFit,
    coxph_fit,
    newton_raphson,
    score_test_at,
)
from survival_stats.design import (
    complete_cases,
    design_matrix,  # noqa: F401  (imported from here by fine_gray and matching)
    raw_column,
    treatment_design,
)

if TYPE_CHECKING:
    import pandas as pd

_chi2_sf = chi2_sf
_norm_two_sided = normal_two_sided_p


@dataclass(frozen=True)
class CoxTerm:
    """One model coefficient. ``level`` is "<level> vs <reference>" for a categorical term."""

    term: str
    variable: str
    level: str
    coef: float
    se: float
    hr: float
    lower: float
    upper: float
    z: float
    p: float


@dataclass(frozen=True)
class ModelTest:
    """A chi-square test of a Cox model: statistic, df, upper-tail p."""

    statistic: float
    df: int
    p: float


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model: terms, sample accounting and fit statistics.

    ``tests`` holds R's global tests (``summary(fit)``): ``"lr"`` (``logtest``), ``"wald"``
    (``waldtest``, robust variance when robust), ``"score"`` (``sctest``) and, when robust,
    ``"robust_score"`` (``robscore``). ``variable_p`` is the joint Wald p of each variable's
    terms; :meth:`variable_tests` adds per-variable LR (``drop1``) and score tests.
    """

    terms: list[CoxTerm]
    variables: list[str]
    n: int
    n_event: int
    n_dropped_missing: int
    concordance: float
    loglik: float
    loglik_null: float
    variable_p: dict[str, float] = field(default_factory=dict)
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    var: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    naive_var: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    tests: dict[str, ModelTest] = field(default_factory=dict)
    ties: str = "efron"
    robust: bool = False
    iterations: int = 0
    converged: bool = True
    assign: dict[str, list[int]] = field(default_factory=dict)
    _fit: Any = field(default=None, repr=False, compare=False)

    def table(self) -> pd.DataFrame:
        """Tidy table in the study's Table 2 form: variable, level, HR, 95% CI, p."""
        return terms_table(self.terms, self.variable_p, self.n, self.n_event,
                           self.n_dropped_missing)

    def variable_tests(self) -> pd.DataFrame:
        """Per variable: joint Wald, likelihood-ratio and score tests of its terms.

        LR as R ``drop1(fit, test = "Chisq")`` (the model refitted without the variable on the
        same rows); score as ``coxph(full, init = c(reduced MLE, 0), iter.max = 0)$score``;
        Wald b' V^-1 b on the variable's terms (robust V when robust, as ``car::Anova``).
        """
        import pandas as pd

        data: CoxData = self._fit
        efron = self.ties == "efron"
        rows = []
        for var, idx in self.assign.items():
            keep = [j for j in range(self.coef.size) if j not in idx]
            reduced = _subset(data, keep)
            beta_r = newton_raphson(reduced, efron)[0] if keep else np.zeros(0)
            loglik_r = _loglik(reduced, beta_r, efron)
            start = np.zeros(self.coef.size)
            start[keep] = beta_r
            lr = 2.0 * (self.loglik - loglik_r)
            sc = score_test_at(data, start, efron)
            wald = _wald_stat(self.coef[idx], self.var[np.ix_(idx, idx)])
            df = len(idx)
            rows.append({"variable": var, "df": df,
                         "wald": wald, "wald_p": _chi2_sf(wald, df),
                         "lr": lr, "lr_p": _chi2_sf(lr, df),
                         "score": sc, "score_p": _chi2_sf(sc, df)})
        return pd.DataFrame(rows)


def _subset(data: CoxData, columns: list[int]) -> CoxData:
    """The same rows with only some covariate columns (for the per-variable tests)."""
    sub = object.__new__(CoxData)
    sub.__dict__.update(data.__dict__)
    sub.x = np.ascontiguousarray(data.x[:, columns])
    sub.means = data.means[columns]
    sub.p = len(columns)
    return sub


def _loglik(data: CoxData, beta: np.ndarray, efron: bool) -> float:
    from survival_stats.coxph_fit import _evaluate

    return _evaluate(data, beta, efron, second=False).loglik


def cox_zph(fit: CoxResult, transform: str = "km", terms: bool = True) -> pd.DataFrame:
    """Proportional-hazards test from scaled Schoenfeld residuals, as R ``cox.zph``.

    Grambsch & Therneau (1994) Biometrika 81:515; survival 3.x's score test of adding
    x g(t) to the model at the fitted coefficients, g the transformed time (``"km"``:
    1 - KM(t-), R's default; ``"identity"``; ``"rank"``) centred by its mean at the
    events. One row per variable (``terms = True``: all terms of a categorical variable
    together, as R) or per coefficient, then ``GLOBAL``: chisq, df, p.
    """
    import pandas as pd

    data: CoxData = fit._fit
    u2, imat = zph_statistics(data, fit.coef, fit.ties == "efron", transform)
    if terms:
        names, assign = list(fit.assign), list(fit.assign.values())
    else:
        names, assign = [t.term for t in fit.terms], [[j] for j in range(fit.coef.size)]
    chisq, df = zph_tests(u2, imat, assign)
    p = [_chi2_sf(c, int(k)) for c, k in zip(chisq, df, strict=True)]
    return pd.DataFrame({"term": [*names, "GLOBAL"], "chisq": chisq, "df": df, "p": p})


def terms_table(terms: list[CoxTerm], variable_p: dict[str, float], n: int, n_event: int,
                n_dropped_missing: int) -> pd.DataFrame:
    """Model terms as the study's Table 2 rows (shared by Cox and Fine-Gray results)."""
    import pandas as pd

    return pd.DataFrame({
        "variable": [t.variable for t in terms],
        "level": [t.level for t in terms],
        "hr": [t.hr for t in terms],
        "lower": [t.lower for t in terms],
        "upper": [t.upper for t in terms],
        "hr_95ci": [f"{t.hr:.2f} ({t.lower:.2f}-{t.upper:.2f})" for t in terms],
        "p": [t.p for t in terms],
        "variable_p": [variable_p.get(t.variable, np.nan) for t in terms],
        "n": n, "n_event": n_event, "n_dropped_missing": n_dropped_missing,
    })


def _wald_stat(coef: np.ndarray, cov: np.ndarray) -> float:
    try:
        return float(coef @ np.linalg.solve(cov, coef))
    except np.linalg.LinAlgError:
        return float("nan")


def _wald_p(coef: np.ndarray, cov: np.ndarray) -> float:
    return _chi2_sf(_wald_stat(coef, cov), coef.size)


def _positions(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def cox_ph(
    data: pd.DataFrame | Mapping[str, np.ndarray],
    time: str,
    event: str,
    variables: list[str],
    reference: dict[str, object] | None = None,
    conf_level: float = 0.95,
    ties: str = "efron",
    strata: str | list[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool | None = None,
) -> CoxResult:
    """Cox PH model: HR, CI exp(b ± z·se), two-sided Wald p, Harrell's C, global tests.

    Cox (1972) JRSS B 34:187; Efron (1977) JASA 72:557. Agrees with R
    ``coxph(Surv(time, event) ~ variables + strata(strata), weights = weights,
    cluster = cluster, robust = robust, ties = ties)`` on complete cases: rows with a missing
    covariate, stratum, weight or cluster are dropped explicitly and counted in
    ``n_dropped_missing``. Times must be present, finite and >= 0 and ``event`` 0/1 (else
    ValueError naming the first offending row position): a missing follow-up is a data
    error, not a covariate gap. Concordance as R: (concordant + tied.x/2) /
    (concordant + discordant + tied.x), within strata, weighted. ``variable_p`` is the joint
    Wald p of all terms of a variable (single term: its Wald p). ``data`` is a DataFrame or
    a mapping of numpy columns (e.g. DuckDB's ``fetchnumpy``; masked entries are missing):
    the same model either way, without importing pandas for the latter.
    """
    strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
    extra = [c for c in [*strata_cols, weights, cluster] if c is not None]
    cols = list(dict.fromkeys([time, event, *variables, *extra]))
    check_times(raw_column(data, time), f"{time!r}")
    as_codes(raw_column(data, event), (0, 1), f"{event!r}", " (0 censored, 1 event)")
    complete = complete_cases(data, cols)
    n_dropped = complete.n_dropped
    X, info = treatment_design(complete, variables, reference)
    columns = complete.columns
    t = np.asarray(columns[time], dtype=float)
    s = np.asarray(columns[event], dtype=float).astype(np.int64)
    st = None
    if strata_cols:
        key = (np.array(["|".join(map(str, row)) for row in
                         zip(*(columns[c] for c in strata_cols), strict=True)], dtype=object)
               if len(strata_cols) > 1 else columns[strata_cols[0]])
        st = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
    w = check_weights(columns[weights], len(complete), f"{weights!r}") if weights else None
    cl = columns[cluster] if cluster else None
    fit, cox_data = coxph_fit(t, s, X, st, w, cl, robust, ties)
    return _result(fit, cox_data, info, list(variables), n_dropped, conf_level, t, s, st, w)


def _result(fit: CoxFit, cox_data: CoxData, info: list[tuple[str, str, str]],
            variables: list[str], n_dropped: int, conf_level: float, t: np.ndarray,
            s: np.ndarray, st: np.ndarray | None, w: np.ndarray | None) -> CoxResult:
    coef, cov = fit.coef, fit.var
    se = np.sqrt(np.diag(cov))
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = coef / se
    p = _norm_two_sided(zs)
    terms = [
        CoxTerm(term, var, level, float(b), float(sd), float(np.exp(b)),
                float(np.exp(b - z * sd)), float(np.exp(b + z * sd)), float(zz), float(pp))
        for (term, var, level), b, sd, zz, pp in zip(info, coef, se, zs, p, strict=True)
    ]
    assign: dict[str, list[int]] = {}
    for i, (_, var, _) in enumerate(info):
        assign.setdefault(var, []).append(i)
    var_p = {var: _wald_p(coef[idx], cov[np.ix_(idx, idx)]) for var, idx in assign.items()}
    k = coef.size
    lr = 2.0 * (fit.loglik - fit.loglik_null)
    wald = _wald_stat(coef, cov)
    tests = {"lr": ModelTest(lr, k, _chi2_sf(lr, k)),
             "wald": ModelTest(wald, k, _chi2_sf(wald, k)),
             "score": ModelTest(fit.score_test, k, _chi2_sf(fit.score_test, k))}
    if fit.robust:
        tests["robust_score"] = ModelTest(fit.robust_score_test, k,
                                          _chi2_sf(fit.robust_score_test, k))
    conc = sorted_concordance(cox_data.time, cox_data.status, fit.linear_predictor[
        cox_data.order], cox_data.weight, cox_data.row_stratum_start)["concordance"] \
        if k else float("nan")
    return CoxResult(
        terms=terms, variables=variables, n=fit.n, n_event=fit.n_event,
        n_dropped_missing=n_dropped, concordance=float(conc), loglik=fit.loglik,
        loglik_null=fit.loglik_null, variable_p=var_p, coef=coef, var=cov,
        naive_var=fit.naive_var, tests=tests, ties=fit.ties, robust=fit.robust,
        iterations=fit.iterations, converged=fit.converged, assign=assign, _fit=cox_data,
    )


def cause_specific_event(status, cause: int) -> np.ndarray:
    """Event indicator for a cause-specific hazard: 1 for ``cause``, other causes censored.

    Prentice et al. (1978) Biometrics 34:541; R: ``coxph(Surv(time, status == cause) ~ ...)``.
    """
    return (np.asarray(status) == cause).astype(int)


def cause_specific_cox(
    data: pd.DataFrame, time: str, status: str, cause: int, variables: list[str],
    reference: dict[str, object] | None = None,
) -> CoxResult:
    """Cause-specific Cox model for a competing endpoint (other causes censored).

    Prentice et al. (1978) Biometrics 34:541. Agrees with R
    ``coxph(Surv(time, status == cause) ~ ...)``.
    """
    codes = as_codes(data[status].to_numpy(), None, f"{status!r}",
                     " (0 censored, 1, 2, ... causes)")
    frame = data.copy()
    frame["__cs_event"] = cause_specific_event(codes, cause)
    return cox_ph(frame, time, "__cs_event", variables, reference)


def univariate_screen(
    data: pd.DataFrame, time: str, event: str, variables: list[str],
    reference: dict[str, object] | None = None, cause: int | None = None,
) -> pd.DataFrame:
    """One Cox model per variable (each on its own complete cases), Table 2 form.

    Cox (1972). Agrees with one R ``coxph(Surv(time, event) ~ variable)`` per variable. With
    ``cause`` the models are cause-specific (``event`` then holds the competing-risk status).
    Columns: variable, level, hr, lower, upper, hr_95ci, p, variable_p, n, n_event,
    n_dropped_missing.
    """
    import pandas as pd

    tables = []
    for var in variables:
        if cause is None:
            res = cox_ph(data, time, event, [var], reference)
        else:
            res = cause_specific_cox(data, time, event, cause, [var], reference)
        tables.append(res.table())
    return pd.concat(tables, ignore_index=True)


@dataclass(frozen=True)
class MultivariableResult:
    """The screen, the variables it selected (p <= alpha) and the multivariable model."""

    screen: pd.DataFrame
    selected: list[str]
    alpha: float
    model: CoxResult | None

    def table(self) -> pd.DataFrame:
        """Multivariable Table 2 (empty when no variable passed the screen)."""
        import pandas as pd

        return self.model.table() if self.model is not None else pd.DataFrame()


def multivariable_model(
    data: pd.DataFrame, time: str, event: str, variables: list[str],
    reference: dict[str, object] | None = None, alpha: float = 0.05, cause: int | None = None,
) -> MultivariableResult:
    """The study's approach: univariate screen, then one model of the variables with p <= alpha.

    A variable passes when its joint Wald p (``variable_p``) <= ``alpha``; the selected list is
    recorded in the result. The multivariable model uses complete cases of the selected
    variables (dropped rows counted). Agrees with R ``coxph`` on the selected formula.
    """
    screen = univariate_screen(data, time, event, variables, reference, cause)
    per_var = screen.groupby("variable", sort=False)["variable_p"].first()
    selected = [v for v in variables if v in per_var.index and per_var[v] <= alpha]
    model = None
    if selected:
        if cause is None:
            model = cox_ph(data, time, event, selected, reference)
        else:
            model = cause_specific_cox(data, time, event, cause, selected, reference)
    return MultivariableResult(screen, selected, alpha, model)
