"""Diagnostics of a Cox fit with R's conventions: Harrell's concordance (``concordancefit``)
and the Schoenfeld-residual proportional-hazards test (``cox.zph``).

Harrell et al. (1982) JAMA 247:2543; Grambsch & Therneau (1994) Biometrika 81:515. Both read
the rows as :class:`survival_stats.coxph_fit.CoxData` sorts them; the pair counts are
compiled from 50,000 subjects (:mod:`survival_stats._compiled_cox`), numpy below.
"""

from __future__ import annotations

import numpy as np

from survival_stats.coxph_fit import CoxData, _evaluate, _information, cox_kernels


def concordance(time: np.ndarray, status: np.ndarray, linear_predictor: np.ndarray,
                strata: np.ndarray | None = None,
                weights: np.ndarray | None = None) -> dict[str, float]:
    """Harrell's C as R ``coxph``'s ``concordance`` (``concordancefit``, reverse = TRUE).

    C = (concordant + tied.x / 2) / (concordant + discordant + tied.x), pairs tied in time
    excluded, a censoring tied with an event time counted as the longer, within strata,
    with case weights.
    """

    n = time.size
    st = np.zeros(n, np.int64) if strata is None else np.asarray(strata, np.int64)
    order = np.argsort(time, kind="stable") if strata is None else np.lexsort((time, st))
    return sorted_concordance(np.take(time, order), np.take(np.asarray(status, np.int64), order),
                              np.take(linear_predictor, order),
                              np.ones(n) if weights is None else np.take(weights, order),
                              np.r_[True, np.take(st, order)[1:] != np.take(st, order)[:-1]]
                              if n else np.zeros(0, bool))


def sorted_concordance(t: np.ndarray, s: np.ndarray, lp: np.ndarray, w: np.ndarray,
                       stratum_start: np.ndarray) -> dict[str, float]:
    """:func:`concordance` of rows already sorted by (stratum, time)."""
    kernels = cox_kernels(t.size)

    uniq, rank = np.unique(lp, return_inverse=True)
    c = kernels.concordance_counts(t, np.asarray(s, np.int64), rank.astype(np.int64).ravel(),
                                     w, stratum_start, uniq.size)
    conc, disc, tied_x, tied_y = c
    total = conc + disc + tied_x
    return {"concordant": conc, "discordant": disc, "tied_x": tied_x, "tied_y": tied_y,
            "concordance": (conc + tied_x / 2.0) / total if total > 0 else float("nan")}


ZPH_TRANSFORMS = ("km", "identity", "rank")


def zph_statistics(data: CoxData, beta: np.ndarray, efron: bool, transform: str = "km"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Score and information of the model with x g(t) added, at (beta, 0): R's ``Czph1``.

    g is the transformed time (``km``: 1 - KM(t-) of all subjects, unweighted and ignoring
    strata; ``identity``: t; ``rank``: rank(t) over all rows, average ties), centred by its
    mean over the events. Returns (u of the g terms (p), information (2p x 2p)).
    """
    if transform not in ZPH_TRANSFORMS:
        raise ValueError(f"transform must be one of {ZPH_TRANSFORMS}, got {transform!r}")
    t = data.time
    if transform == "identity":
        g = t.copy()
    elif transform == "rank":
        from scipy.stats import rankdata
        g = rankdata(t)
    else:
        g = 1.0 - _km_left_limit(t, data.dead)
    g = g - g[data.dead].mean()
    g_block = g[data.block_first[data.death_blocks]]
    pc = _evaluate(data, beta, efron)
    x, w = data.x, data.weight
    dead = data.dead
    per_block_dead_x = np.zeros((data.death_blocks.size, data.p))
    np.add.at(per_block_dead_x, data.death_pos_of_row[dead], (w[dead])[:, None] * x[dead])
    score_block = per_block_dead_x - (pc.s0[:, None] * pc.a - pc.s1[:, None] * pc.a2)
    u2 = g_block @ score_block
    i11 = pc.imat
    i12 = _information(data, pc, g_block)
    i22 = _information(data, pc, g_block * g_block)
    imat = np.block([[i11, i12], [i12.T, i22]])
    return u2, imat


def _km_left_limit(t: np.ndarray, dead: np.ndarray) -> np.ndarray:
    """Unweighted Kaplan-Meier of all rows, S(t-) at each row's time (rows need not be
    sorted across strata)."""
    order = np.argsort(t, kind="stable")
    ts, ds = t[order], dead[order].astype(float)
    new = np.r_[True, ts[1:] != ts[:-1]]
    first = np.flatnonzero(new)
    n_risk = ts.size - first
    d = np.add.reduceat(ds, first)
    surv = np.cumprod(1.0 - d / n_risk)
    left = np.r_[1.0, surv[:-1]]
    idx = np.searchsorted(ts[first], t, side="left")
    return left[idx]


def zph_tests(u2: np.ndarray, imat: np.ndarray, assign: list[list[int]]
              ) -> tuple[np.ndarray, np.ndarray]:
    """cox.zph's table: per term (columns ``assign[i]``) u' I_kk^-1 u with u = (0, u2[jj]) on
    kk = (all p, jj + p), then GLOBAL on all. Returns (chisq, df), GLOBAL last."""
    p = u2.size
    stats_, dfs = [], []
    for jj in [*assign, list(range(p))]:
        kk = [*range(p), *(j + p for j in jj)]
        u = np.r_[np.zeros(p), u2[jj]]
        try:
            stats_.append(float(u @ np.linalg.solve(imat[np.ix_(kk, kk)], u)))
        except np.linalg.LinAlgError:
            stats_.append(float("nan"))
        dfs.append(len(jj))
    return np.array(stats_), np.array(dfs)
