"""k:1 nearest-neighbour matching (PS or Mahalanobis, with or without replacement), with balance.

Rosenbaum & Rubin (1983) Biometrika 70:41 (propensity score); Austin (2011) Multivar Behav Res
46:399 (matching, SMD, caliper). Follows R ``MatchIt::matchit(method = "nearest",
distance = "glm", m.order = "largest", replace = FALSE, ratio = 1)`` (optionally with
``exact = ~ vars`` and ``caliper = c, std.caliper = TRUE``; also ``ratio = k``,
``replace = TRUE`` and ``distance = "mahalanobis"``, rules 7-9) and the SMDs of
``summary.matchit`` for the ATT. Checked against MatchIt 4.5.1 on its ``lalonde`` data
(``tests/statistics/test_stats_matching_matchit.py``, reference built by
``tools/r/matchit_reference.R``). The conventions that decide the result:

1. **Propensity score**: R's ``glm(family = binomial)`` IRLS (MatchIt calls ``glm`` with
   ``quasibinomial``: same fit), including its start values and its stopping rule, so the
   fitted values agree with ``m$distance`` to rounding, not only to R's ``epsilon = 1e-8``.
2. **Order of treated units**: decreasing PS (``m.order = "largest"``, MatchIt's default for a
   PS distance with the ATT); equal PS keep data order (R's ``order`` is stable).
3. **Nearest control and ties** (MatchIt >= 4.5.1, C++ ``nn_matchC_vec``): all units of a
   stratum are sorted by PS (stable, so equal PS keep data order); a treated unit takes the
   nearest unused control below it in that order or the nearest above it, whichever is closer,
   the one below on a tie. Among controls with exactly the PS of a treated unit, those earlier
   in the data count as "below". (MatchIt <= 4.5.0 took the first control in data order among
   equally distant ones; results differ only when PS values are tied.)
4. **Caliper**: ``std.caliper = TRUE``: width = caliper x ``sd(distance)`` over *all* units
   used in the fit (treated and control, n - 1 denominator; MatchIt's ``process.caliper``),
   also with exact matching; a control further than the width (``>``) is not eligible.
5. **Exact matching**: each stratum of the ``exact`` variables is matched separately
   (``matchit2nearest`` splits by ``exact``); treated units of a stratum without controls stay
   unmatched.
6. **Balance** (``summary.matchit`` / ``bal1var``): see :func:`balance_table`.
7. **Ratio k:1**: k rounds over the treated units in the same order, one more control each
   round (``nn_matchC_vec``'s loop over ``r``), so early treated units do not take all near
   controls first. **Replacement**: a control may serve any number of treated units, each
   treated unit gets its k nearest (``reuse.max = Inf``). (MatchIt 4.5.1's PS matcher gives
   the single nearest control k times there, a bug fixed in 4.5.3, #159; the reference for
   that case is MatchIt's matrix matcher on |ps_t - ps_c|, which takes the k nearest.)
8. **Weights** (``weights_matrixC``): treated 1; a control sums 1/k_i over the treated units i
   it serves (k_i = controls of i), rescaled to sum to the number of matched controls.
9. **Mahalanobis** (``distance = "mahalanobis"``, ``nn_matchC``): pooled within-arm
   covariance of all covariates; no PS, so treated units in data order; nearest = first in
   data order on ties. Distances are compared as doubles there (the truncation below concerns
   only the PS matcher).

MatchIt 4.5.1 as built by Debian (``r-cran-matchit``) compares distances with the C
``abs(int)``: ``|d|`` is truncated to an integer, so on the PS scale every distance is 0 - the
caliper never excludes anyone and the lower neighbour always wins. That is a defect of that
build, not MatchIt's rule (later MatchIt uses ``std::abs``); this module implements the rule
with real distances. The reference values come from ``matchit()`` given the same PS as
``distance = 2^30 * ps`` (an exact rescaling): the truncation then costs at most 2^-30 on
the PS scale, which decides nothing on the reference data (only two candidate distances
closer than that could still tie where the real ones do not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survival_stats.design import design_matrix

_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)
_DBL_EPS = float(np.finfo(float).eps)
_THRESH = 30.0
_TIE_REL = 1e-10  # Mahalanobis distances this close (relative) are ties: data order decides  # R's family.c logit_linkinv / logit_mu_eta cut-offs


def _logit_linkinv(eta: np.ndarray) -> np.ndarray:
    """R ``binomial()$linkinv`` (C ``logit_linkinv``): exp(eta) / (1 + exp(eta)), clamped."""
    tmp = np.where(eta < -_THRESH, _DBL_EPS,
                   np.where(eta > _THRESH, 1.0 / _DBL_EPS, np.exp(np.clip(eta, -_THRESH, _THRESH))))
    return tmp / (1.0 + tmp)


def _logit_mu_eta(eta: np.ndarray) -> np.ndarray:
    """R ``binomial()$mu.eta`` (C ``logit_mu_eta``)."""
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    return np.where(np.abs(eta) > _THRESH, _DBL_EPS, e / ((1.0 + e) * (1.0 + e)))


def _binomial_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """R ``binomial()$dev.resids`` summed, for 0/1 responses: 2 log(1/mu) or 2 log(1/(1-mu))."""
    return float(np.sum(2.0 * np.where(y == 1.0, np.log(1.0 / mu), np.log(1.0 / (1.0 - mu)))))


def logistic_propensity(X: np.ndarray, treated: np.ndarray, max_iter: int = 25,
                        tol: float = 1e-8) -> np.ndarray:
    """Propensity score from a logistic regression with intercept, fitted as R's ``glm.fit``.

    Agrees with R ``glm(treat ~ ..., family = binomial)$fitted.values`` (MatchIt's
    ``distance = "glm"``) to rounding: same start (mu = (y + 0.5) / 2), same IRLS steps
    (weighted least squares on the working response) and R's stopping rule
    ``|dev - dev_old| / (|dev| + 0.1) < tol`` with ``glm.control`` defaults ``epsilon = 1e-8``
    (``tol``) and ``maxit = 25`` (``max_iter``). The fitted values are those after the step
    that met the rule (not the fully converged MLE, which differs by ~1e-8 relative). Like R,
    a fit that has not converged after ``max_iter`` steps returns its last iterate. A rank
    deficient design gives the same fitted values as R (aliased columns do not change them).
    """
    A = np.column_stack([np.ones(X.shape[0]), np.asarray(X, dtype=float)])
    y = np.asarray(treated, dtype=float)
    mu = (y + 0.5) / 2.0
    eta = np.log(mu / (1.0 - mu))
    mu = _logit_linkinv(eta)
    dev_old = _binomial_deviance(y, mu)
    for _ in range(max_iter):
        mu_eta = _logit_mu_eta(eta)
        good = mu_eta != 0
        z = eta[good] + (y - mu)[good] / mu_eta[good]
        w = np.sqrt(mu_eta[good] ** 2 / (mu * (1.0 - mu))[good])
        beta = np.linalg.lstsq(A[good] * w[:, None], z * w, rcond=None)[0]
        eta = A @ beta
        mu = _logit_linkinv(eta)
        dev = _binomial_deviance(y, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            break
        dev_old = dev
    return mu


@dataclass(frozen=True)
class MatchResult:
    """Matched pairs, the matched data, the balance table and sample accounting."""

    pairs: pd.DataFrame        # treated_index, control_index, pair_id, distance
    matched: pd.DataFrame      # matched rows with ``ps`` (glm), ``pair_id`` and ``weights``
    balance: pd.DataFrame      # variable, mean/SMD before and after
    n_treated: int
    n_control: int
    n_pairs: int
    n_dropped_missing: int
    caliper_width: float | None


def _find(parent: np.ndarray, i: int) -> int:
    """Union-find root with path compression (free-slot pointers)."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def _free_pointers(order: np.ndarray, is_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Free-control pointers over one stratum sorted by PS (treated slots point past themselves).

    ``right[k]`` = first free control slot >= k (``m`` = none); ``left[k + 1]`` = first free
    control slot <= k, stored shifted by one (0 = none); resolved with :func:`_find`.
    """
    m = order.size
    right = np.arange(m + 1)
    left = np.arange(m + 1)
    t_slots = np.flatnonzero(is_t[order])
    right[t_slots] = t_slots + 1
    left[t_slots + 1] = t_slots
    return right, left


def nearest_neighbour_pairs(
    ps: np.ndarray, treated: np.ndarray, strata: np.ndarray | None = None,
    caliper_width: float | None = None, ratio: int = 1, replace: bool = False,
) -> list[tuple[int, int, float]]:
    """Greedy k:1 nearest-neighbour matching on |ps_t - ps_c|, as MatchIt's ``nn_matchC_vec``.

    Treated units are taken in decreasing propensity score ("largest", MatchIt's default for a
    PS distance; equal PS in data order). Within its exact-matching stratum, all units are
    sorted by PS (stable: equal PS in data order); the treated unit looks at the nearest
    eligible control below it in that order and the nearest above it, drops either one that is
    further than ``caliper_width`` (``>``), and takes the closer; on equal distance the one
    below (lower PS). If neither is eligible the treated unit gets no control in that round.
    ``ratio = k``: k rounds, each giving every treated unit (in the same order) one more
    control, as ``nn_matchC_vec``'s outer loop over ``r``; without replacement a control is
    used once (eligible = not yet used), with replacement (``replace``, MatchIt's
    ``reuse.max = Inf``) eligible = not yet matched to this treated unit, so each treated unit
    gets its k nearest controls, the lower one first on equal distance. Returns
    ``(treated_position, control_position, |ps_t - ps_c|)`` in matching order (round by round).
    """
    if int(ratio) != ratio or ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio!r}")
    ratio = int(ratio)
    ps = np.asarray(ps, dtype=float)
    is_t = np.asarray(treated).astype(bool)
    strata = np.zeros(ps.size, np.int64) if strata is None else np.asarray(strata)
    slot = np.empty(ps.size, np.int64)
    groups: dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for s in pd.unique(strata):
        idx = np.flatnonzero(strata == s)
        order = idx[np.argsort(ps[idx], kind="stable")]
        slot[order] = np.arange(order.size)
        right, left = _free_pointers(order, is_t)
        groups[s] = (order, right, left)
    t_idx = np.flatnonzero(is_t)
    t_idx = t_idx[np.argsort(-ps[t_idx], kind="stable")]
    width = np.inf if caliper_width is None else caliper_width
    out: list[tuple[int, int, float]] = []
    if replace:  # per treated unit: the k nearest, walking outwards from its slot
        by_unit: dict[int, list[tuple[int, int, float]]] = {}
        for i in t_idx.tolist():
            order, right, left = groups[strata[i]]
            k = int(slot[i])
            lo, r = _find(left, k) - 1, _find(right, k + 1)
            got = []
            while len(got) < ratio:
                dl = abs(ps[order[lo]] - ps[i]) if lo >= 0 else np.inf
                dr = abs(ps[order[r]] - ps[i]) if r < order.size else np.inf
                dl, dr = (np.inf if dl > width else dl), (np.inf if dr > width else dr)
                if not (np.isfinite(dl) or np.isfinite(dr)):
                    break
                if dl <= dr:
                    got.append((i, int(order[lo]), float(dl)))
                    lo = _find(left, lo) - 1
                else:
                    got.append((i, int(order[r]), float(dr)))
                    r = _find(right, r + 1)
            by_unit[i] = got
        for rnd in range(ratio):
            out.extend(got[rnd] for got in by_unit.values() if len(got) > rnd)
        return out
    for _ in range(ratio):
        for i in t_idx.tolist():
            order, right, left = groups[strata[i]]
            k = int(slot[i])
            r = _find(right, k + 1)
            lo = _find(left, k) - 1
            dr = abs(ps[order[r]] - ps[i]) if r < order.size else np.inf
            dl = abs(ps[order[lo]] - ps[i]) if lo >= 0 else np.inf
            dr = np.inf if dr > width else dr
            dl = np.inf if dl > width else dl
            if not (np.isfinite(dl) or np.isfinite(dr)):
                continue
            j = lo if dl <= dr else r
            right[j] = j + 1
            left[j + 1] = j
            out.append((i, int(order[j]), float(min(dl, dr))))
    return out


def mahalanobis_transform(X: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Rows mapped so that Euclidean distance = Mahalanobis distance, as MatchIt's.

    MatchIt ``transform_covariates(method = "mahalanobis")``: covariance = the pooled
    within-treatment-group covariance (``pooled_cov``: each arm centred on its own mean,
    divided by n - 2), inverted (generalised inverse if singular), applied through a Cholesky
    factor (``mahalanobize``). Columns without variance are dropped. MatchIt codes factors
    with every level (scaled by 1/sqrt 2) and a generalised inverse; treatment coding with a
    regular inverse gives the same distances (both span the same differences), up to rounding.
    """
    X = np.asarray(X, dtype=float)
    t = np.asarray(treated).astype(bool)
    keep = np.ptp(X, axis=0) >= _SQRT_EPS if X.shape[0] else np.ones(X.shape[1], bool)
    if not keep.any():  # MatchIt: all constant -> Euclidean on the first column (all 0)
        return np.zeros((X.shape[0], 1))
    X = X[:, keep]
    X = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    centred = X.copy()
    for g in (t, ~t):
        if g.any():
            centred[g] -= centred[g].mean(axis=0)
    n_groups = int(t.any()) + int((~t).any())
    cov = centred.T @ centred / max(X.shape[0] - n_groups, 1)
    try:
        inv = np.linalg.inv(cov) if np.linalg.det(cov) > 1e-8 else np.linalg.pinv(cov)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(cov)
    w, v = np.linalg.eigh((inv + inv.T) / 2.0)
    return X @ (v * np.sqrt(np.clip(w, 0.0, None)))


def mahalanobis_pairs(
    Z: np.ndarray, treated: np.ndarray, strata: np.ndarray | None = None, ratio: int = 1,
    replace: bool = False,
) -> list[tuple[int, int, float]]:
    """Greedy k:1 nearest-neighbour matching on Mahalanobis distance, as MatchIt's ``nn_matchC``.

    ``Z``: rows from :func:`mahalanobis_transform` (Euclidean distance = Mahalanobis).
    MatchIt ``distance = "mahalanobis"`` has no PS, so treated units are taken in data order
    (``m.order = "data"``). Without replacement: ``ratio`` rounds; in each, every treated unit
    (data order) takes the nearest unused control of its stratum, the first in data order on
    equal distance (``which_min``). Distances within a relative 1e-10 of the minimum count as
    equal: covariates on a lattice (ages, zero earnings) give exact ties in exact arithmetic
    that rounding would break arbitrarily (on ``lalonde`` MatchIt's own rounding splits two
    controls two years either side of a treated unit's age by 3e-17). With replacement: each treated unit takes its ``ratio``
    nearest controls of its stratum (all of them, in data order, if there are no more than
    ``ratio``); MatchIt orders those by ``std::partial_sort`` (unstable): here equal distances
    go in data order, which decides the set only if the k-th and (k+1)-th are exactly tied.
    Returns ``(treated_position, control_position, distance)`` round by round.
    """
    if int(ratio) != ratio or ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio!r}")
    ratio = int(ratio)
    Z = np.asarray(Z, dtype=float)
    is_t = np.asarray(treated).astype(bool)
    strata = np.zeros(Z.shape[0], np.int64) if strata is None else np.asarray(strata)
    t_idx = np.flatnonzero(is_t)
    controls = {s: np.flatnonzero(~is_t & (strata == s)) for s in pd.unique(strata[t_idx])}

    def dist(i: int, c: np.ndarray) -> np.ndarray:
        return np.sqrt(np.sum((Z[c] - Z[i]) ** 2, axis=1))

    def nearest(d: np.ndarray) -> int:
        """First in data order among the distances equal to the minimum (to rounding)."""
        return int(np.argmax(d <= d.min() * (1.0 + _TIE_REL)))

    out: list[tuple[int, int, float]] = []
    if replace:
        by_unit = {}
        for i in t_idx.tolist():
            c = controls[strata[i]]
            d = dist(i, c)
            if c.size <= ratio:
                by_unit[i] = [(i, int(c[j]), float(d[j])) for j in range(c.size)]
                continue
            left, got = d.copy(), []
            for _ in range(ratio):
                j = nearest(left)
                got.append((i, int(c[j]), float(d[j])))
                left[j] = np.inf
            by_unit[i] = got
        for rnd in range(ratio):
            out.extend(got[rnd] for got in by_unit.values() if len(got) > rnd)
        return out
    free = {s: np.ones(c.size, bool) for s, c in controls.items()}
    for _ in range(ratio):
        for i in t_idx.tolist():
            c, f = controls[strata[i]], free[strata[i]]
            if not f.any():
                continue
            d = np.where(f, dist(i, c), np.inf)
            j = nearest(d)
            f[j] = False
            out.append((i, int(c[j]), float(d[j])))
    return out


def matching_weights(pairs: list[tuple[int, int, float]], treated: np.ndarray) -> np.ndarray:
    """MatchIt's matching weights for the ATT (``weights_matrixC``).

    A matched treated unit has weight 1; a control gets 1/(number of controls of that treated
    unit) from every treated unit it is matched to, summed; control weights are then scaled to
    sum to the number of matched controls. Unmatched units have weight 0.
    """
    t = np.asarray(treated).astype(bool)
    w = np.zeros(t.size)
    n_of: dict[int, int] = {}
    for i, _, _ in pairs:
        n_of[i] = n_of.get(i, 0) + 1
    for i, j, _ in pairs:
        w[j] += 1.0 / n_of[i]
        w[i] = 1.0
    total = w[~t].sum()
    if total > 0:
        w[~t] *= np.count_nonzero(w[~t]) / total
    return w


def _pooled_sd(v: np.ndarray, t: np.ndarray, is_bin: bool) -> float:
    """MatchIt ``pooled_sd(contribution = "proportional")`` with unit sampling weights."""
    n = v.size
    if is_bin:
        var = sum(v[g].sum() * (1 - v[g].sum() / g.sum()) / n for g in (t, ~t) if g.any())
    else:
        c = v.copy()
        for g in (t, ~t):
            if g.any():
                c[g] -= c[g].mean()
        var = float(np.sum(c * c)) / (n - 1) if n > 1 else np.nan
    return float(np.sqrt(var))


def balance_table(X: pd.DataFrame, treated: np.ndarray, matched_mask: np.ndarray,
                  binary: list[bool]) -> pd.DataFrame:
    """Means and standardised mean differences before and after matching (ATT convention).

    As MatchIt's ``summary.matchit`` (``bal1var``, ``s.d.denom = "treated"``; 1:1 matching
    without replacement gives every matched unit weight 1): SMD = (mean_treated -
    mean_control) / s, where s is the SD of the treated group *before* matching, the same
    denominator before and after: sample SD (n - 1) for continuous variables, sqrt(p (1 - p))
    for binary ones (``binary``: MatchIt calls a variable binary when all its values are 0 or
    1). Further ``bal1var`` rules: if |mean difference| <= sqrt(machine epsilon) the SMD is the
    raw difference (0 after exact matching on the variable); if s is not finite or below
    sqrt(machine epsilon) (e.g. a level all treated units share), s is the pooled SD of both
    arms before matching (``pooled_sd``, proportional contribution); if both arms have fewer
    than two (matched) units the SMD is NaN. ``matched_mask`` is a 0/1 mask or MatchIt's
    matching weights (:func:`matching_weights`, k:1 or with replacement): the means after
    matching are then weighted (``bal1var``'s ``wm``), the denominator stays unweighted.
    """
    t = np.asarray(treated).astype(bool)
    wts = np.asarray(matched_mask, dtype=float)
    mask = wts != 0
    rows = []
    for col, is_bin in zip(X.columns, binary, strict=True):
        v = X[col].to_numpy(dtype=float)
        vt = v[t]
        sd = np.sqrt(vt.mean() * (1 - vt.mean())) if is_bin else (
            vt.std(ddof=1) if vt.size > 1 else np.nan)
        if not np.isfinite(sd) or sd < _SQRT_EPS:
            sd = _pooled_sd(v, t, is_bin)
        mt, mc = vt.mean(), v[~t].mean()
        mt_m = float(np.average(v[t & mask], weights=wts[t & mask])) if (t & mask).any() \
            else np.nan
        mc_m = float(np.average(v[~t & mask], weights=wts[~t & mask])) if (~t & mask).any() \
            else np.nan

        def smd(diff: float, n1: int, n0: int, sd: float = sd) -> float:
            if not abs(diff) > _SQRT_EPS:
                return float(diff)
            return float(diff / sd) if not (n1 < 2 and n0 < 2) else np.nan

        rows.append({
            "variable": col,
            "mean_treated_before": mt, "mean_control_before": mc,
            "smd_before": smd(mt - mc, int(t.sum()), int((~t).sum())),
            "mean_treated_after": mt_m, "mean_control_after": mc_m,
            "smd_after": smd(mt_m - mc_m, int((t & mask).sum()), int((~t & mask).sum())),
        })
    return pd.DataFrame(rows)


def propensity_match(
    data: pd.DataFrame, treatment: str, covariates: list[str], exact: list[str] | None = None,
    caliper: float | None = None, reference: dict[str, object] | None = None,
    ratio: int = 1, replace: bool = False, distance: str = "glm",
) -> MatchResult:
    """k:1 nearest-neighbour matching (propensity score or Mahalanobis), with balance table.

    Rosenbaum & Rubin (1983); Austin (2011). As R ``matchit(treatment ~ covariates, data,
    method = "nearest", distance = distance, ratio = ratio, replace = replace,
    exact = ~ exact, caliper = caliper)`` (conventions in the module docstring).
    ``distance = "glm"``: logistic PS on all covariates (categorical variables
    treatment-coded; the PS does not depend on the coding), treated units matched in
    decreasing PS order, ties to the lower PS, the caliper in SDs of the PS
    (``std.caliper = TRUE``: width = caliper x SD of the PS over all units).
    ``distance = "mahalanobis"``: Mahalanobis distance on all covariates
    (:func:`mahalanobis_transform`), treated units in data order; no PS and no caliper.
    ``ratio = k`` controls per treated unit (k rounds), ``replace = True`` lets a control serve
    several treated units. Exact matching within strata of ``exact``. ``matched`` has one row
    per matched unit with MatchIt's ``weights`` (:func:`matching_weights`; 1 for 1:1 without
    replacement) and ``pair_id`` = the matched set (the treated unit's number in matching
    order; -1 for controls with replacement, which can belong to several sets); the balance
    table uses those weights (``summary.matchit``). It lists the PS ("distance (PS)", glm only)
    and every design-matrix column; a categorical variable gives its non-reference levels
    ("var: level vs ref"; MatchIt's summary also lists the reference level). ``treatment``
    must be 0/1 (or bool). Rows with missing treatment/covariates/exact variables are dropped
    and counted; ``n_pairs`` counts (treated, control) matches.
    """
    if distance not in ("glm", "mahalanobis"):
        raise ValueError(f"distance must be 'glm' or 'mahalanobis', got {distance!r}")
    if distance == "mahalanobis" and caliper is not None:
        raise ValueError("a caliper needs a propensity score: not with distance='mahalanobis'")
    exact = exact or []
    cols = list(dict.fromkeys([treatment, *covariates, *exact]))
    complete = data[cols].dropna()
    n_dropped = len(data) - len(complete)
    treated = complete[treatment].astype(int).to_numpy()
    X, info = design_matrix(complete, covariates, reference)
    strata = None
    if exact:
        strata = complete[exact].astype(str).agg("|".join, axis=1).pipe(
            lambda s: pd.factorize(s)[0])
    width = None
    if distance == "glm":
        ps = logistic_propensity(X.to_numpy(dtype=float), treated)
        if caliper is not None:
            width = abs(caliper) * float(np.std(ps, ddof=1))
        pairs = nearest_neighbour_pairs(ps, treated, strata, width, ratio=ratio, replace=replace)
    else:
        ps = None
        Z = mahalanobis_transform(X.to_numpy(dtype=float), treated)
        pairs = mahalanobis_pairs(Z, treated, strata, ratio=ratio, replace=replace)
    set_of: dict[int, int] = {}
    for i, _, _ in pairs:
        set_of.setdefault(i, len(set_of))
    pair_df = pd.DataFrame(
        [(complete.index[i], complete.index[j], set_of[i], d) for i, j, d in pairs],
        columns=["treated_index", "control_index", "pair_id", "distance"],
    )
    weights = matching_weights(pairs, treated)
    mask = weights > 0
    pair_id = np.full(len(complete), -1)
    for i, j, _ in pairs:
        pair_id[i] = set_of[i]
        if not replace:
            pair_id[j] = set_of[i]
    matched = data.loc[complete.index[mask]].copy()
    if ps is not None:
        matched["ps"] = ps[mask]
    matched["pair_id"] = pair_id[mask]
    matched["weights"] = weights[mask]
    labels = {term: (f"{var}: {lvl}" if lvl else var) for term, var, lvl in info}
    Xb = X.rename(columns=labels)
    binary = [bool(lvl) or set(np.unique(X[t])) <= {0.0, 1.0} for t, _, lvl in info]
    if ps is not None:
        Xb.insert(0, "distance (PS)", ps)
        binary = [False, *binary]
    bal = balance_table(Xb, treated, weights, binary)
    return MatchResult(pair_df, matched, bal, int(treated.sum()), int((1 - treated).sum()),
                       len(pairs), n_dropped, width)
