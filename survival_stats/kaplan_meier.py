"""Kaplan-Meier estimator with Greenwood variance, R survfit's confidence intervals and median.

Kaplan & Meier (1958), JASA 53:457; Greenwood (1926). Must agree with R ``survival::survfit``,
``summary.survfit(times=)`` and ``print.survfit``/``summary(fit)$table`` (survival 3.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import as_float, as_int, group_codes, time_blocks, z_value

CONF_TYPES = ("log", "log-log", "plain")
_TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class KMCurve:
    """One Kaplan-Meier step function, evaluated at every distinct time (as survfit stores it).

    ``se_log_surv`` is survfit's ``std.err`` (Greenwood SE of log S; ``inf`` once S = 0).
    """

    group: object
    n: int
    events: int
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    se_log_surv: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float

    @property
    def se_surv(self) -> np.ndarray:
        """Greenwood SE of S itself (``summary.survfit``'s ``std.err``)."""
        return self.se_log_surv * self.surv

    def at(self, times) -> dict[str, np.ndarray]:
        """Values at requested times exactly as R's ``summary(fit, times=, extend=TRUE)``.

        S is taken at the last jump <= t (1 before the first time); ``n_risk`` is the number
        with time >= t; ``n_event`` counts events in (previous requested time, t].
        Times beyond the last follow-up carry the last value forward with ``n_risk`` 0.
        """
        t = np.sort(as_float(times))
        idx = np.searchsorted(self.time, t, side="right") - 1
        before = idx < 0
        j = np.maximum(idx, 0)
        surv = np.where(before, 1.0, self.surv[j] if self.time.size else 1.0)
        se_log = np.where(before, 0.0, self.se_log_surv[j] if self.time.size else 0.0)
        lower = np.where(before, 1.0, self.lower[j] if self.time.size else 1.0)
        upper = np.where(before, 1.0, self.upper[j] if self.time.size else 1.0)
        first_ge = np.searchsorted(self.time, t, side="left")
        n_risk = np.where(
            first_ge < self.time.size, self.n_risk[np.minimum(first_ge, self.time.size - 1)], 0
        ) if self.time.size else np.zeros(t.size, np.int64)
        cum_events = np.r_[0, np.cumsum(self.n_event)]
        ev = cum_events[idx + 1]
        n_event = np.diff(np.r_[0, ev])
        with np.errstate(invalid="ignore"):
            se_surv = np.where(surv == 0, np.nan, se_log * surv)
        return {
            "time": t,
            "n_risk": n_risk.astype(np.int64),
            "n_event": n_event.astype(np.int64),
            "surv": surv,
            "se_surv": se_surv,
            "se_log_surv": se_log,
            "lower": lower,
            "upper": upper,
        }

    def median(self) -> dict[str, float]:
        """Median survival and its CI as R's ``summary(fit)$table`` (``survival:::survmean``)."""
        return {
            "median": survfit_quantile_rule(self.surv, self.time),
            "lower": survfit_quantile_rule(self.lower, self.time),
            "upper": survfit_quantile_rule(self.upper, self.time),
        }


def survfit_quantile_rule(y: np.ndarray, x: np.ndarray) -> float:
    """R's median rule (``minmin`` in ``survival:::survmean``) applied to curve ``y`` at times ``x``.

    First time with y < 0.5 + sqrt(eps) (NaN values ignored); if that y equals 0.5 within
    sqrt(eps) and the curve later drops below it, the midpoint between that time and the first
    time with a strictly smaller y; otherwise that first time (so a curve that stays at 0.5 to
    the end gives the first time, as ``summary()$table`` does). NaN when never reached.
    """
    keep = ~np.isnan(y) & (y < 0.5 + _TOL)
    if not keep.any():
        return float("nan")
    xs, ys = x[keep], y[keep]
    if abs(ys[0] - 0.5) < _TOL:
        lower_after = np.flatnonzero(ys < ys[0])
        if lower_after.size:
            return float((xs[0] + xs[lower_after[0]]) / 2.0)
    return float(xs[0])


def survfit_confint(
    surv: np.ndarray, se_log: np.ndarray, conf_type: str = "log", conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI of S from se(log S), a port of R's ``survival:::survfit_confint``.

    ``log``: S·exp(±z·se), upper capped at 1, NaN where S = 0. ``log-log``:
    exp(-exp(log(-log S) ∓ z·se/log S)), NaN where S is 0 or 1. ``plain``: S ± z·se·S clipped
    to [0, 1].
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            se2 = se_log * surv * z
            se2 = np.where(np.isinf(se_log) & (surv == 0), np.nan, se2)
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se_log
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se_log / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
        return lower, upper


def _km_one(
    time: np.ndarray, event: np.ndarray, label: object, conf_type: str, conf_level: float
) -> KMCurve:
    order = np.argsort(time, kind="stable")
    blocks = time_blocks(time[order], event[order], 2)
    n_risk = blocks.n_risk
    d = blocks.counts[:, 1]
    surv = np.cumprod(1.0 - d / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood: var(log S) = sum d / (n (n - d)); inf once every subject at risk has died.
        term = np.where(d == 0, 0.0, d / (n_risk * (n_risk - d).astype(float)))
    se_log = np.sqrt(np.cumsum(term))
    lower, upper = survfit_confint(surv, se_log, conf_type, conf_level)
    return KMCurve(
        group=label,
        n=int(time.size),
        events=int(d.sum()),
        time=blocks.time,
        n_risk=n_risk,
        n_event=d,
        n_censor=blocks.counts[:, 0],
        surv=surv,
        se_log_surv=se_log,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        conf_level=conf_level,
    )


def kaplan_meier(
    time,
    event,
    group=None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> list[KMCurve]:
    """Kaplan-Meier curves (one per group, groups in sorted order) with Greenwood SE and CI.

    Kaplan & Meier (1958) JASA 53:457. Agrees with R ``survfit(Surv(time, event) ~ group,
    conf.type=)``: same times, n.risk, surv, std.err (SE of log S) and lower/upper.
    ``event`` is 1 for an event, 0 for censored.
    """
    t = as_float(time)
    e = as_int(event)
    if np.any((e != 0) & (e != 1)):
        raise ValueError("event must be coded 0 (censored) / 1 (event)")
    codes, levels = group_codes(group, t.size)
    return [
        _km_one(t[codes == g], e[codes == g], levels[g], conf_type, conf_level)
        for g in range(len(levels))
    ]


def km_median(curve: KMCurve) -> dict[str, float]:
    """Median survival with CI as R's ``summary(survfit(...))$table`` (sqrt(eps) tolerance,
    midpoint rule). Brookmeyer & Crowley (1982) Biometrics 38:29."""
    return curve.median()


def reverse_km_median_followup(time, event, group=None) -> list[dict[str, object]]:
    """Median follow-up by the reverse Kaplan-Meier method (censorings are the events).

    Schemper & Smith (1996) Control Clin Trials 17:343. Agrees with R
    ``survfit(Surv(time, 1 - event) ~ group)`` median (``summary()$table``).
    """
    e = as_int(event)
    curves = kaplan_meier(time, 1 - e, group)
    return [{"group": c.group, **c.median()} for c in curves]
