"""Fine-Gray proportional subdistribution hazards regression, a numpy port of ``cmprsk::crr``.

Fine & Gray (1999) JASA 94:496. IPCW weights from the Kaplan-Meier of censoring (left limit
G(t-)), Breslow-type handling of tied failures, Newton-Raphson with crr's step halving and
stopping rule, sandwich variance (crr's Fortran ``crrvv``). Must agree with R
``cmprsk::crr(ftime, fstatus, cov1, cengroup, failcode, cencode)`` (coef, var, loglik).
Only time-fixed covariates (``cov1``) are supported; censoring groups (``cengroup``) are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survival_stats._arrays import as_float, as_int, z_value
from survival_stats._validate import as_codes, check_lengths, check_times
from survival_stats.cox import CoxTerm, _wald_p, terms_table
from survival_stats.design import design_matrix

_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class FineGrayResult:
    """A fitted Fine-Gray model. ``terms[i].hr`` is the subdistribution hazard ratio."""

    terms: list[CoxTerm]
    variables: list[str]
    coef: np.ndarray
    var: np.ndarray
    n: int
    n_event: int
    n_dropped_missing: int
    loglik: float
    loglik_null: float
    converged: bool
    iterations: int
    variable_p: dict[str, float]
    uftime: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bfitj: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def predict(self, covariates) -> dict[str, np.ndarray]:
        """Predicted cumulative incidence curves, as R ``predict.crr(fit, cov1)``.

        Fine & Gray (1999) eq. (3): F(t | z) = 1 - exp(-exp(z'b) sum_{t_j <= t} dL0_j), with
        dL0_j = ``bfitj`` (crr's Breslow-type jumps d_j / S0(t_j) at the distinct failure
        times ``uftime``). ``covariates``: one row per profile (columns as the fit's, on the
        design-matrix scale). Returns ``time`` (uftime) and ``cif`` (times x profiles).
        """
        z = np.atleast_2d(np.asarray(covariates, dtype=float))
        if z.shape[1] != self.coef.size:
            raise ValueError(f"covariates must have {self.coef.size} columns, got {z.shape[1]}")
        lhat = np.cumsum(self.bfitj)[:, None] * np.exp(z @ self.coef)[None, :]
        return {"time": self.uftime, "cif": 1.0 - np.exp(-lhat)}

    def table(self) -> pd.DataFrame:
        """Table 2 form: variable, level, SHR, 95% CI, p."""
        return terms_table(self.terms, self.variable_p, self.n, self.n_event,
                           self.n_dropped_missing)


class _CrrData:
    """Sorted data and the censoring KM weights crr uses."""

    def __init__(self, time: np.ndarray, fstatus: np.ndarray, x: np.ndarray,
                 group: np.ndarray | None = None):
        order = np.argsort(time, kind="stable")
        self.t = time[order]
        self.m = fstatus[order]            # 1 cause of interest, 2 other cause, 0 censored
        self.x = x[order]
        n = self.t.size
        # censoring group 0..ncg-1 per subject (crr's ``cengroup``; one group by default)
        self.grp = np.zeros(n, np.int64) if group is None else np.asarray(group)[order]
        self.ncg = int(self.grp.max()) + 1 if n else 1
        # G[k, i]: KM of censoring in group k, evaluated as crr does at t_i * (1 - 100 eps),
        # i.e. G_k(t_i-) (1 before the group's first time, 0 from max_k * (1 + 10 eps) on).
        self.G = np.vstack([self._censoring_km(self.grp == k) for k in range(self.ncg)])
        self.g = self.G[self.grp, np.arange(n)]                        # own group's G(t_i-)
        # Distinct failure times of the cause of interest.
        fail = self.m == 1
        self.uf, self.d = np.unique(self.t[fail], return_counts=True)
        self.first = np.searchsorted(self.t, self.uf, side="left")     # first index t >= uf
        self.G_uf = self.G[:, self.first]                               # G_k(uf-)
        self.g_uf = self.G_uf[0]
        self.in_group = [(self.grp == k).astype(float) for k in range(self.ncg)]
        self.type2 = (self.m == 2).astype(float)
        self.n_event = int(fail.sum())
        self.sum_x_fail = self.x[fail].sum(axis=0)

    def _censoring_km(self, members: np.ndarray) -> np.ndarray:
        """crr's ``approx(survfit(Surv(ftime, cenind) ~ 1, subset = group))`` at all t-."""
        tg, cg = self.t[members], self.m[members] == 0
        new = np.r_[True, tg[1:] != tg[:-1]]
        starts = np.flatnonzero(new)
        tu = tg[starts]
        n_cens = np.bincount(np.cumsum(new) - 1, weights=cg, minlength=tu.size)
        g_surv = np.cumprod(1.0 - n_cens / (tg.size - starts))
        xout = self.t * (1.0 - 100.0 * _EPS)
        idx = np.searchsorted(tu, xout, side="right") - 1
        g = np.where(idx < 0, 1.0, g_surv[np.maximum(idx, 0)])
        return np.where(xout >= tu[-1] * (1.0 + 10.0 * _EPS), 0.0, g)

    def risk_sums(self, b: np.ndarray, order2: bool):
        """S0, S1 (and S2) of the IPCW risk set at each distinct failure time."""
        xb = self.x @ b
        e = np.exp(xb)
        w2 = self.type2 * e / self.g

        def at_times(v):
            rev = np.cumsum(v[::-1], axis=0)[::-1]
            fwd = np.cumsum(v, axis=0)
            fwd = np.concatenate([np.zeros((1,) + v.shape[1:]), fwd], axis=0)
            return rev[self.first], fwd[self.first]

        # type-2 subjects before t_j weigh G_k(t_j-) / G_k(t_i-), k = their censoring group
        r0, _ = at_times(e)
        r1, _ = at_times(e[:, None] * self.x)
        s0, s1 = r0, r1
        xx = self.x[:, :, None] * self.x[:, None, :] if order2 else None
        s2 = at_times(e[:, None, None] * xx)[0] if order2 else None
        for k in range(self.ncg):
            wk = w2 if self.ncg == 1 else w2 * self.in_group[k]
            gk = self.G_uf[k]
            s0 = s0 + gk * at_times(wk)[1]
            s1 = s1 + gk[:, None] * at_times(wk[:, None] * self.x)[1]
            if order2:
                s2 = s2 + gk[:, None, None] * at_times(wk[:, None, None] * xx)[1]
        return xb, e, s0, s1, s2

    def neg_loglik(self, b: np.ndarray) -> float:
        xb, _, s0, _, _ = self.risk_sums(b, False)
        return float(-(xb[self.m == 1].sum() - (self.d * np.log(s0)).sum()))

    def fsv(self, b: np.ndarray):
        """crr's ``crrfsv``: minus log-likelihood, minus score, information."""
        xb, _, s0, s1, s2 = self.risk_sums(b, True)
        xbar = s1 / s0[:, None]
        lik = -(xb[self.m == 1].sum() - (self.d * np.log(s0)).sum())
        score = -(self.sum_x_fail - (self.d[:, None] * xbar).sum(axis=0))
        info = (self.d[:, None, None] * (s2 / s0[:, None, None]
                - xbar[:, :, None] * xbar[:, None, :])).sum(axis=0)
        return float(lik), score, info

    def sandwich(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """crr's ``crrvv``: information and the middle matrix sum_i (eta_i + psi_i)^2."""
        _, e, s0, s1, s2 = self.risk_sums(b, True)
        xbar = s1 / s0[:, None]
        info = (self.d[:, None, None] * (s2 / s0[:, None, None]
                - xbar[:, :, None] * xbar[:, None, :])).sum(axis=0)
        x, t, m, g = self.x, self.t, self.m, self.g
        p = x.shape[1]
        h = self.d / s0
        # k(i): number of distinct failure times <= t_i.
        k_le = np.searchsorted(self.uf, t, side="right")
        cum = lambda v: np.concatenate([np.zeros((1,) + v.shape[1:]), np.cumsum(v, axis=0)])  # noqa: E731
        h0, h1 = cum(h), cum(h[:, None] * xbar)
        eta = np.zeros((t.size, p))
        fail = m == 1
        eta[fail] = x[fail] - xbar[k_le[fail] - 1]
        eta -= e[:, None] * (x * h0[k_le][:, None] - h1[k_le])
        new = np.r_[True, t[1:] != t[:-1]]
        starts = np.flatnonzero(new)
        block = np.cumsum(new) - 1
        kf = np.searchsorted(self.uf, t[starts], side="left")   # first failure time >= u
        w2 = self.type2 * e / g
        psi = np.zeros((t.size, p))
        fail_time = np.searchsorted(self.uf, t)                 # uf index of each failure
        for k in range(self.ncg):
            gk = self.G_uf[k]
            mine = self.grp == k
            # other-cause subjects of group k: their IPCW weight uses G_k
            k0, k1 = cum(gk * h), cum((gk * h)[:, None] * xbar)
            oth = (m == 2) & mine
            eta[oth] -= (e[oth] / g[oth])[:, None] * (
                x[oth] * (k0[-1] - k0[k_le[oth]])[:, None] - (k1[-1] - k1[k_le[oth]]))
            # psi: group k's censoring martingale part, crr's q(u) at each censoring time u:
            # failures of group k at or after u against group k's type-2 subjects before u
            wk = w2 * mine
            a0, a1 = cum(wk), cum(wk[:, None] * x)
            d_k = np.bincount(fail_time[fail & mine], minlength=self.uf.size)
            c = d_k * gk / s0
            w0 = np.r_[np.cumsum(c[::-1])[::-1], 0.0]
            w1 = np.vstack([np.cumsum((c[:, None] * xbar)[::-1], axis=0)[::-1], np.zeros((1, p))])
            n_cens = np.bincount(block, weights=(m == 0) & mine, minlength=starts.size)
            y = np.bincount(block, weights=mine, minlength=starts.size)[::-1].cumsum()[::-1]
            q = a1[starts] * w0[kf][:, None] - a0[starts][:, None] * w1[kf]
            ratio = np.divide(n_cens, y**2, out=np.zeros_like(n_cens), where=n_cens > 0)
            ss2 = -np.cumsum(ratio[:, None] * q, axis=0)
            psi[mine] = ss2[block[mine]]
            cens = (m == 0) & mine
            psi[cens] += q[block[cens]] / y[block[cens]][:, None]
        u = eta + psi
        return info, u.T @ u


def fine_gray(
    time, status, covariates, failcode: int = 1, cencode: int = 0, gtol: float = 1e-6,
    maxiter: int = 10, names: list[str] | None = None, cengroup=None,
) -> FineGrayResult:
    """Fine-Gray subdistribution hazards model fitted exactly as ``cmprsk::crr``.

    Fine & Gray (1999) JASA 94:496. Agrees with R ``crr(ftime, fstatus, cov1, failcode,
    cencode, gtol = 1e-6, maxiter = 10)``: same start (0), Newton step with halving, same
    stopping rule, so the returned iterate is crr's; SEs from crr's sandwich variance;
    two-sided normal p. Rows with a missing covariate are dropped (counted); times must be
    finite and >= 0 and status whole numbers (ValueError naming the first bad index).

    ``cengroup`` (crr's ``cengroup``): one label per subject; the censoring distribution of
    the IPCW weights is then a Kaplan-Meier within each group (a competing-event subject is
    weighted by its own group's G(t-) / G(t_i-)), and the variance's censoring part is summed
    per group, as crr's Fortran. Like crr, a group's G is 0 past that group's last time.
    Rows with a missing group are dropped with the missing covariates (counted).

    R is not the reference above 46,340 subjects at risk: crr's Fortran squares the number
    at risk as a 32-bit integer (46,341^2 > 2^31 - 1), so its variance overflows there; ours
    computes in floating point throughout.
    """
    x = np.asarray(covariates, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    t = as_float(time)
    check_times(t)
    s_raw = np.asarray(status, dtype=float).ravel()
    check_lengths(t.size, status=s_raw, covariates=x)
    as_codes(s_raw, "any", "status")
    ok = ~np.isnan(x).any(axis=1)
    group = None
    if cengroup is not None:
        labels = pd.Series(np.asarray(cengroup, dtype=object).ravel())
        check_lengths(t.size, cengroup=labels.to_numpy())
        ok &= labels.notna().to_numpy()
        # crr: match(cengroup, sort(unique(cengroup))); the coding does not change the fit
        group = pd.factorize(labels[ok], sort=True)[0]
    n_dropped = int((~ok).sum())
    t, x = t[ok], x[ok]
    s = as_int(s_raw[ok])
    fstatus = np.where(s == failcode, 1, np.where(s == cencode, 0, 2))
    data = _CrrData(t, fstatus, x, group)
    p = x.shape[1]
    b = np.zeros(p)
    converged = False
    it = 0
    for it in range(maxiter + 1):  # noqa: B007
        lik, score, info = data.fsv(b)
        if np.max(np.abs(score) * np.maximum(np.abs(b), 1.0)) < max(abs(lik), 1.0) * gtol:
            converged = True
            break
        if it == maxiter:
            break
        step = -np.linalg.solve(info, score)
        bn = b + step
        fbn = data.neg_loglik(bn)
        halvings = 0
        while np.isnan(fbn) or fbn > lik + 1e-4 * float(step @ score):
            halvings += 1
            step = step * 0.5
            bn = b + step
            fbn = data.neg_loglik(bn)
            if halvings > 20:
                break
        if halvings > 20:
            break
        b = bn
    info, middle = data.sandwich(b)
    hinv = np.linalg.inv(info)
    var = hinv @ middle @ hinv.T
    se = np.sqrt(np.diag(var))
    z = b / se
    pv = 2.0 * stats.norm.sf(np.abs(z))
    zq = z_value(0.95)
    names = names or [f"x{i + 1}" for i in range(p)]
    terms = [CoxTerm(nm, nm, "", float(bb), float(ss), float(np.exp(bb)),
                     float(np.exp(bb - zq * ss)), float(np.exp(bb + zq * ss)), float(zz), float(pp))
             for nm, bb, ss, zz, pp in zip(names, b, se, z, pv, strict=True)]
    return FineGrayResult(
        terms=terms, variables=list(names), coef=b, var=var, n=int(t.size),
        n_event=data.n_event, n_dropped_missing=n_dropped, loglik=-data.neg_loglik(b),
        loglik_null=-data.neg_loglik(np.zeros(p)), converged=converged, iterations=it,
        variable_p={nm: float(pp) for nm, pp in zip(names, pv, strict=True)},
        uftime=data.uf, bfitj=data.d / data.risk_sums(b, False)[2],
    )


def fine_gray_model(
    data: pd.DataFrame, time: str, status: str, variables: list[str], cause: int = 1,
    reference: dict[str, object] | None = None, cencode: int = 0, cengroup: str | None = None,
) -> FineGrayResult:
    """Fine-Gray model from a data frame with categorical variables coded as in :func:`cox_ph`.

    Fine & Gray (1999) JASA 94:496. Agrees with R ``crr(time, status, cov1 = model.matrix(~
    ...)[, -1], failcode = cause, cengroup = data[[cengroup]])`` on complete cases (dropped
    rows counted); ``cengroup`` names a column whose values are the censoring groups.
    """
    check_times(data[time].to_numpy(), f"{time!r}")
    as_codes(data[status].to_numpy(), "any", f"{status!r}")
    extra = [cengroup] if cengroup is not None and cengroup not in variables else []
    complete = data[list(dict.fromkeys([time, status, *variables, *extra]))].dropna()
    X, info = design_matrix(complete, variables, reference)
    res = fine_gray(complete[time], complete[status], X.to_numpy(), failcode=cause,
                    cencode=cencode, names=[term for term, _, _ in info],
                    cengroup=None if cengroup is None else complete[cengroup].to_numpy())
    terms = [CoxTerm(tt.term, var, level, tt.coef, tt.se, tt.hr, tt.lower, tt.upper, tt.z, tt.p)
             for tt, (_, var, level) in zip(res.terms, info, strict=True)]
    var_p = {}
    for var in variables:
        idx = [i for i, (_, v, _) in enumerate(info) if v == var]
        if idx:
            var_p[var] = _wald_p(res.coef[idx], res.var[np.ix_(idx, idx)])
    return FineGrayResult(
        terms=terms, variables=list(variables), coef=res.coef, var=res.var, n=res.n,
        n_event=res.n_event, n_dropped_missing=len(data) - len(complete), loglik=res.loglik,
        loglik_null=res.loglik_null, converged=res.converged, iterations=res.iterations,
        variable_p=var_p, uftime=res.uftime, bfitj=res.bfitj,
    )
