"""1:1 nearest-neighbour propensity-score matching without replacement, with a balance table.

Rosenbaum & Rubin (1983) Biometrika 70:41 (propensity score); Austin (2011) Multivar Behav Res
46:399 (matching, SMD, caliper). Follows R ``MatchIt::matchit(method = "nearest",
distance = "glm", m.order = "largest", replace = FALSE, ratio = 1)`` and the SMDs of
``summary.matchit`` for the ATT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survival_stats.cox import design_matrix


def logistic_propensity(X: np.ndarray, treated: np.ndarray, max_iter: int = 100,
                        tol: float = 1e-12) -> np.ndarray:
    """Propensity score from a logistic regression with intercept, fitted by IRLS.

    Agrees with R ``glm(treat ~ ..., family = binomial)$fitted.values`` (MatchIt's
    ``distance = "glm"``).
    """
    A = np.column_stack([np.ones(X.shape[0]), X])
    y = treated.astype(float)
    beta = np.zeros(A.shape[1])
    for _ in range(max_iter):
        eta = A @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        w = np.clip(mu * (1.0 - mu), 1e-12, None)
        step = np.linalg.lstsq(A * np.sqrt(w)[:, None], (y - mu) / np.sqrt(w), rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(beta))):
            break
    return 1.0 / (1.0 + np.exp(-(A @ beta)))


@dataclass(frozen=True)
class MatchResult:
    """Matched pairs, the matched data, the balance table and sample accounting."""

    pairs: pd.DataFrame        # treated_index, control_index, pair_id, distance
    matched: pd.DataFrame      # rows of both arms with columns ``ps`` and ``pair_id``
    balance: pd.DataFrame      # variable, mean/SMD before and after
    n_treated: int
    n_control: int
    n_pairs: int
    n_dropped_missing: int
    caliper_width: float | None


def nearest_neighbour_pairs(
    ps: np.ndarray, treated: np.ndarray, strata: np.ndarray | None = None,
    caliper_width: float | None = None,
) -> list[tuple[int, int, float]]:
    """Greedy 1:1 matching without replacement on |ps_t - ps_c|.

    Treated units are taken in decreasing propensity score ("largest", MatchIt's default for
    a glm distance); each takes the closest unused control in the same exact-matching stratum
    (ties: the first control in data order) within the caliper; otherwise it stays unmatched.
    """
    strata = np.zeros(ps.size, np.int64) if strata is None else strata
    t_idx = np.flatnonzero(treated)
    t_idx = t_idx[np.argsort(-ps[t_idx], kind="stable")]
    available = ~treated.astype(bool)
    out = []
    for i in t_idx:
        cand = np.flatnonzero(available & (strata == strata[i]))
        if cand.size == 0:
            continue
        dist = np.abs(ps[cand] - ps[i])
        j = int(np.argmin(dist))
        if caliper_width is not None and dist[j] > caliper_width:
            continue
        available[cand[j]] = False
        out.append((int(i), int(cand[j]), float(dist[j])))
    return out


def balance_table(X: pd.DataFrame, treated: np.ndarray, matched_mask: np.ndarray,
                  binary: list[bool]) -> pd.DataFrame:
    """Means and standardised mean differences before and after matching (ATT convention).

    SMD = (mean_treated - mean_control) / s, where s is the SD in the treated group before
    matching (the same denominator before and after, as ``summary.matchit``): sample SD
    (n - 1) for continuous variables, sqrt(p (1 - p)) for binary indicators.
    """
    t = treated.astype(bool)
    rows = []
    for col, is_bin in zip(X.columns, binary, strict=True):
        v = X[col].to_numpy(dtype=float)
        vt = v[t]
        sd = np.sqrt(vt.mean() * (1 - vt.mean())) if is_bin else vt.std(ddof=1)
        mt, mc = vt.mean(), v[~t].mean()
        mt_m, mc_m = v[t & matched_mask].mean(), v[~t & matched_mask].mean()
        rows.append({
            "variable": col,
            "mean_treated_before": mt, "mean_control_before": mc,
            "smd_before": (mt - mc) / sd if sd > 0 else np.nan,
            "mean_treated_after": mt_m, "mean_control_after": mc_m,
            "smd_after": (mt_m - mc_m) / sd if sd > 0 else np.nan,
        })
    return pd.DataFrame(rows)


def propensity_match(
    data: pd.DataFrame, treatment: str, covariates: list[str], exact: list[str] | None = None,
    caliper: float | None = None, reference: dict[str, object] | None = None,
) -> MatchResult:
    """1:1 nearest-neighbour propensity matching without replacement, with balance table.

    Rosenbaum & Rubin (1983); Austin (2011). As R ``matchit(treatment ~ covariates, data,
    method = "nearest", distance = "glm", exact = ~ exact, caliper = caliper)``: logistic PS
    on all covariates (categorical variables treatment-coded), treated units matched in
    decreasing PS order, the caliper in SDs of the PS (``std.caliper = TRUE``: width =
    caliper x SD of the PS over all units), exact matching within strata of ``exact``.
    ``treatment`` must be 0/1 (or bool). Rows with missing treatment/covariates are dropped
    and counted.
    """
    exact = exact or []
    cols = list(dict.fromkeys([treatment, *covariates, *exact]))
    complete = data[cols].dropna()
    n_dropped = len(data) - len(complete)
    treated = complete[treatment].astype(int).to_numpy()
    X, info = design_matrix(complete, covariates, reference)
    ps = logistic_propensity(X.to_numpy(dtype=float), treated)
    strata = None
    if exact:
        strata = complete[exact].astype(str).agg("|".join, axis=1).pipe(
            lambda s: pd.factorize(s)[0])
    width = caliper * float(np.std(ps, ddof=1)) if caliper is not None else None
    pairs = nearest_neighbour_pairs(ps, treated, strata, width)
    pair_df = pd.DataFrame(
        [(complete.index[i], complete.index[j], k, d) for k, (i, j, d) in enumerate(pairs)],
        columns=["treated_index", "control_index", "pair_id", "distance"],
    )
    mask = np.zeros(len(complete), bool)
    pair_id = np.full(len(complete), -1)
    for k, (i, j, _) in enumerate(pairs):
        mask[[i, j]] = True
        pair_id[[i, j]] = k
    matched = data.loc[complete.index[mask]].copy()
    matched["ps"] = ps[mask]
    matched["pair_id"] = pair_id[mask]
    labels = {term: (f"{var}: {lvl}" if lvl else var) for term, var, lvl in info}
    Xb = X.rename(columns=labels)
    Xb.insert(0, "distance (PS)", ps)
    binary = [False] + [bool(lvl) or set(np.unique(X[t])) <= {0.0, 1.0} for t, _, lvl in info]
    bal = balance_table(Xb, treated, mask, binary)
    return MatchResult(pair_df, matched, bal, int(treated.sum()), int((1 - treated).sum()),
                       len(pairs), n_dropped, width)
