"""Kaplan-Meier estimator with Greenwood variance, R survfit's confidence intervals and median.

Kaplan & Meier (1958), JASA 53:457; Greenwood (1926). Must agree with R ``survival::survfit``,
``summary.survfit(times=)`` and ``print.survfit``/``summary(fit)$table`` (survival 3.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survival_stats._arrays import as_float, group_codes, time_blocks, z_value
from survival_stats._validate import survival_inputs

CONF_TYPES = ("log", "log-log", "plain", "logit", "arcsin")
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

    def quantile(self, probs=(0.25, 0.5, 0.75)) -> dict[str, np.ndarray]:
        """Survival quantiles (time by which a fraction p has had the event) with CI, as R
        ``quantile(survfit, probs)``: :func:`findq` on 1 - S, 1 - lower and 1 - upper
        (sqrt(eps) tolerance). The median here equals :meth:`median`."""
        p = np.atleast_1d(np.asarray(probs, dtype=float))
        if np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
            raise ValueError(f"probs must lie in [0, 1], got {p.tolist()}")
        x = np.r_[0.0, self.time]
        return {"prob": p,
                "quantile": findq(x, np.r_[0.0, 1.0 - self.surv], p),
                "lower": findq(x, np.r_[0.0, 1.0 - self.lower], p),
                "upper": findq(x, np.r_[0.0, 1.0 - self.upper], p)}

    def rmst(self, tau: float | None = None) -> dict[str, float]:
        """Restricted mean survival time up to ``tau`` and its SE, as R
        ``print(survfit, rmean = tau)`` / ``summary(fit, rmean = tau)$table`` (survival's
        ``survmean``; not survRM2's): area under S on [0, tau], variance
        sum_j A_j^2 d_j / (n_j (n_j - d_j)) with A_j the area from the j-th time to tau
        (Klein & Moeschberger 2003, 4.5). ``tau`` None: the largest follow-up time
        (R's ``rmean = "common"`` for one curve)."""
        end = float(self.time[-1]) if tau is None else float(tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(self.n_risk - self.n_event == 0, 0.0,
                          self.n_event / (self.n_risk * (self.n_risk - self.n_event)))
        keep = np.flatnonzero(self.time <= end)
        if keep.size == 0:
            temptime, tempsurv, h = np.array([end]), np.array([1.0]), np.array([0.0])
        else:
            temptime = np.r_[self.time[keep], end]
            tempsurv = np.r_[self.surv[keep], self.surv[keep[-1]]]
            h = np.r_[hh[keep], 0.0]
        delta = np.diff(np.r_[0.0, temptime])
        rectangles = delta * np.r_[1.0, tempsurv[:-1]]
        var = float(np.sum(np.cumsum(rectangles[1:][::-1]) ** 2 * h[::-1][1:]))
        return {"tau": end, "rmst": float(rectangles.sum()), "se": float(np.sqrt(var))}

    def median(self) -> dict[str, float]:
        """Median survival and its CI as R's ``summary(fit)$table`` (``survival:::survmean``)."""
        return {
            "median": survfit_quantile_rule(self.surv, self.time),
            "lower": survfit_quantile_rule(self.lower, self.time),
            "upper": survfit_quantile_rule(self.upper, self.time),
        }


def findq(x: np.ndarray, y: np.ndarray, p: np.ndarray,
          tol: float = _TOL) -> np.ndarray:
    """Port of survival's ``findq`` (``quantile.survfit``): the time at which the step
    function y = 1 - S (with (x[0], 0) prepended by the caller) reaches each p.

    Duplicated y values are dropped (first kept); the index of p among y + tol and among
    y - tol is taken as R's ``approx(method = "constant", f = 1)`` (a knot equal to p gives
    its own index, otherwise the next knot; NA outside the knots) and the two times
    averaged, so a curve that is flat at exactly 1 - p gives the midpoint of the flat
    stretch. p = 0 gives x[0]; p within tol of the last y gives the midpoint with the last x.
    """
    p = np.atleast_1d(np.asarray(p, dtype=float))
    finite = y[~np.isnan(y)]
    if finite.size == 0 or finite.max() < p.min():
        return np.full(p.size, np.nan)
    xmax = x[-1]
    seen: set = set()
    keep = []
    for i, v in enumerate(y.tolist()):
        key = "nan" if v != v else v
        if key not in seen:
            seen.add(key)
            keep.append(i)
    x, y = x[keep], y[keep]
    n = y.size
    index = np.arange(n)

    def constant_index(knots: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(knots)
        kx, ki = knots[ok], index[ok]
        out = np.full(p.size, -1)
        if kx.size == 0:
            return out
        k = np.searchsorted(kx, p, side="left")
        inside = (p >= kx[0]) & (p <= kx[-1])
        out[inside] = ki[np.minimum(k[inside], kx.size - 1)]
        return out

    i1, i2 = constant_index(y + tol), constant_index(y - tol)
    both = (i1 >= 0) & (i2 >= 0)
    quant = np.where(both, (x[np.maximum(i1, 0)] + x[np.maximum(i2, 0)]) / 2.0, np.nan)
    quant[p == 0] = x[0]
    if not np.isnan(y[-1]):
        last = np.abs(p - y[-1]) < tol
        quant[last] = np.where(i1[last] >= 0, (x[np.maximum(i1[last], 0)] + xmax) / 2.0,
                               np.nan)
    return quant


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
    to [0, 1]. ``logit``: logit S ± z·se/(1 - S) mapped back. ``arcsin``: asin(sqrt S) ±
    z·se·sqrt(S/(1 - S))/2 within [0, pi/2], squared sine (Borgan & Liestol 1990).
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
        if conf_type == "logit":
            # R: se2 = z se (1 + S / (1 - S)); 1 - 1 / (1 + exp(logit S -/+ se2))
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se_log * (1.0 + xx / (1.0 - xx))
            logit = np.log(surv / (1.0 - surv))
            return 1.0 - 1.0 / (1.0 + np.exp(logit - se2)), 1.0 - 1.0 / (1.0 + np.exp(logit + se2))
        if conf_type == "arcsin":
            # R: se2 = z se sqrt(S / (1 - S)) / 2; sin(asin(sqrt S) -/+ se2)^2 within [0, pi/2]
            xx = np.where(surv == 0, np.nan, surv)
            se2 = 0.5 * z * se_log * np.sqrt(xx / (1.0 - xx))
            root = np.arcsin(np.sqrt(xx))
            return (np.sin(np.maximum(0.0, root - se2)) ** 2,
                    np.sin(np.minimum(np.pi / 2.0, root + se2)) ** 2)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se_log / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
        return lower, upper


#: From this many subjects the compiled merge is used; below, numpy (no numba import, which
#: costs more than the whole estimate on a small sample, e.g. in ``aml-registry estimate``).
COMPILED_FROM = 100_000


def _km_table(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, ...]:
    """(distinct times, n.risk, n.event, n.censor) of one group with numpy (as the compiled
    ``km_from_sorted``)."""
    order = np.argsort(time, kind="stable")
    blocks = time_blocks(time[order], event[order], 2)
    return blocks.time, blocks.n_risk, blocks.counts[:, 1], blocks.counts[:, 0]


def _km_from_table(time: np.ndarray, n_risk: np.ndarray, d: np.ndarray, n_censor: np.ndarray,
                   label: object, conf_type: str, conf_level: float) -> KMCurve:
    surv = np.cumprod(1.0 - d / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood: var(log S) = sum d / (n (n - d)); inf once every subject at risk has died.
        term = np.where(d == 0, 0.0, d / (n_risk * (n_risk - d).astype(float)))
    se_log = np.sqrt(np.cumsum(term))
    lower, upper = survfit_confint(surv, se_log, conf_type, conf_level)
    return KMCurve(group=label, n=int(n_risk[0]) if n_risk.size else 0, events=int(d.sum()),
                   time=time, n_risk=n_risk, n_event=d, n_censor=n_censor, surv=surv,
                   se_log_surv=se_log, lower=lower, upper=upper, conf_type=conf_type,
                   conf_level=conf_level)


def kaplan_meier(
    time,
    event,
    group=None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> list[KMCurve]:
    """Kaplan-Meier curves (one per group, groups in sorted order) with Greenwood SE and CI.

    Kaplan & Meier (1958) JASA 53:457. Agrees with R ``survfit(Surv(time, event) ~ group,
    conf.type=)`` (log, log-log, plain, logit, arcsin): same times, n.risk, surv, std.err
    (SE of log S) and lower/upper. ``event`` is 1 for an event, 0 for censored; times must
    be finite and >= 0 (ValueError naming the first offending index otherwise). The
    tabulation is a counting sort by (group, event) and a float sort per cell, merged by a
    compiled kernel.
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    t, e = survival_inputs(time, event)
    codes, levels = group_codes(group, t.size)
    if t.size < COMPILED_FROM:
        return [_km_from_table(*_km_table(t[codes == g], e[codes == g]), levels[g], conf_type,
                               conf_level) for g in range(len(levels))]
    from survival_stats import _compiled
    from survival_stats.tied_time_table import sorted_cells

    by_cell, offsets = sorted_cells(t, codes, e, len(levels), 2)
    curves = []
    for g in range(len(levels)):
        cens = by_cell[offsets[2 * g]:offsets[2 * g + 1]]
        events = by_cell[offsets[2 * g + 1]:offsets[2 * g + 2]]
        tab = _compiled.km_from_sorted(events, cens)
        curves.append(_km_from_table(*tab, levels[g], conf_type, conf_level))
    return curves


def km_median(curve: KMCurve) -> dict[str, float]:
    """Median survival with CI as R's ``summary(survfit(...))$table`` (sqrt(eps) tolerance,
    midpoint rule). Brookmeyer & Crowley (1982) Biometrics 38:29."""
    return curve.median()


def reverse_km_median_followup(time, event, group=None) -> list[dict[str, object]]:
    """Median follow-up by the reverse Kaplan-Meier method (censorings are the events).

    Schemper & Smith (1996) Control Clin Trials 17:343. Agrees with R
    ``survfit(Surv(time, 1 - event) ~ group)`` median (``summary()$table``).
    """
    t, e = survival_inputs(time, event)
    curves = kaplan_meier(t, 1 - e, group)
    return [{"group": c.group, **c.median()} for c in curves]


def km_quantile(curve: KMCurve, probs=(0.25, 0.5, 0.75)) -> dict[str, np.ndarray]:
    """Survival quantiles with CI as R ``quantile(survfit(...), probs)`` (see
    :meth:`KMCurve.quantile`)."""
    return curve.quantile(probs)


def rmst(curve: KMCurve, tau: float | None = None) -> dict[str, float]:
    """Restricted mean survival time and SE as R ``print(survfit, rmean = tau)`` (see
    :meth:`KMCurve.rmst`). Royston & Parmar (2013) BMC Med Res Methodol 13:152."""
    return curve.rmst(tau)
