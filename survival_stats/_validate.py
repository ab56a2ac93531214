"""Input checks shared by every estimator: one clear ``ValueError`` per problem, naming it and
the first offending index (position in the input, 0-based), before anything is computed.

R's survival and cmprsk drop rows with NA silently (``na.omit``) and accept negative times in
places; a registry must not lose or invent follow-up unnoticed, so the caller drops (and
counts) missing rows explicitly and everything else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def _first(mask: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(mask)
    return int(idx[0]), int(idx.size)


def check_lengths(n: int, **arrays) -> None:
    """Every named array (None skipped) has ``n`` values."""
    for name, arr in arrays.items():
        if arr is None:
            continue
        size = np.asarray(arr).shape[0] if np.ndim(arr) else 1
        if size != n:
            raise ValueError(f"{name} has {size} values for {n} subjects (time): the arrays "
                             "must be aligned, one value per subject")


def check_times(time: np.ndarray, name: str = "time", allow_nan: bool = False) -> None:
    """Times must be finite and non-negative (no NaN, no inf, no t < 0); with ``allow_nan``
    missing values pass (a data-frame caller drops them as complete cases)."""
    t = np.asarray(time)
    if t.dtype == object:
        t = t.astype(float)
    if t.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got dtype {t.dtype}")
    if t.size and t.dtype.kind == "f" and not allow_nan:
        # one pass each for min and max (NaN propagates): the usual all-valid case
        low, high = t.min(), t.max()
        if low >= 0 and high < np.inf:
            return
    if t.dtype.kind == "f":
        bad = np.isnan(t) & (not allow_nan)
        if bad.any():
            i, k = _first(bad)
            raise ValueError(f"{name} is NaN at index {i} ({k} value(s) missing): drop those "
                             "subjects first (and count them), as R's na.omit would")
        bad = np.isinf(t)
        if bad.any():
            i, k = _first(bad)
            raise ValueError(f"{name} is infinite at index {i} ({k} value(s)): follow-up "
                             "must be a finite time")
    with np.errstate(invalid="ignore"):
        bad = t < 0
    if bad.any():
        i, k = _first(bad)
        raise ValueError(f"{name} is negative at index {i} ({t[i].item()!r}; {k} value(s)): "
                         "follow-up times must be >= 0")


def as_codes(status, allowed: Iterable[int] | str | None, name: str = "status",
             what: str = "", allow_nan: bool = False) -> np.ndarray:
    """Status as int64 codes; NaN, non-integers and codes outside ``allowed`` are refused.

    ``allowed`` None means any non-negative whole number, ``"any"`` any whole number. Booleans are 0/1. With
    ``allow_nan`` missing values pass unchecked (their code is then meaningless: -1).
    """
    arr = np.asarray(status)
    if arr.dtype == object:
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric codes") from exc
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numeric codes, got dtype {arr.dtype}")
    arr = arr.ravel()
    missing = np.zeros(arr.shape, bool)
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        if missing.any() and not allow_nan:
            i, k = _first(missing)
            raise ValueError(f"{name} is NaN at index {i} ({k} value(s) missing): drop those "
                             "subjects first (and count them)")
        arr = np.where(missing, -1.0, arr)
        bad = (arr != np.round(arr)) & ~missing
        if bad.any():
            i, _ = _first(bad)
            raise ValueError(f"{name} must be whole-number codes: {arr[i].item()!r} at index {i}")
    codes = arr.astype(np.int64)
    if isinstance(allowed, str) and allowed == "any":
        bad = np.zeros(codes.shape, bool)
        rule = ""
    elif allowed is None and (not codes.size or codes.min() >= 0):
        return codes
    elif allowed is None:
        bad = (codes < 0) & ~missing
        rule = "a non-negative code"
    else:
        allowed_arr = np.asarray(sorted(set(int(a) for a in allowed)), np.int64)
        bad = ~np.isin(codes, allowed_arr) & ~missing
        rule = f"one of {allowed_arr.tolist()}{what}"
    if bad.any():
        i, k = _first(bad)
        raise ValueError(f"{name} {codes[i]} at index {i} is not {rule} ({k} value(s))")
    return codes


def check_weights(weights, n: int, name: str = "weights") -> np.ndarray | None:
    """Case weights: finite and > 0 (R ``coxph``: "Invalid weights, must be >0")."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    check_lengths(n, **{name: w})
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i, k = _first(bad)
        raise ValueError(f"{name} must be finite and > 0: {w[i].item()!r} at index {i} "
                         f"({k} value(s))")
    return w


def check_finite_matrix(x: np.ndarray, names: list[str] | None = None) -> None:
    """Covariates finite (missing values are dropped by the caller beforehand)."""
    bad = ~np.isfinite(x)
    if bad.any():
        rows, cols = np.nonzero(bad)
        col = names[cols[0]] if names else f"column {cols[0]}"
        raise ValueError(f"covariate {col} is not finite at index {rows[0]} "
                         f"({x[rows[0], cols[0]].item()!r})")


def survival_inputs(time, event, name_time: str = "time",
                    name_event: str = "event") -> tuple[np.ndarray, np.ndarray]:
    """Validated (time float64, event int64 0/1) of a right-censored sample."""
    t = np.asarray(time)
    if t.dtype == object:
        t = t.astype(float)
    t = t.ravel()
    check_times(t, name_time)
    e = np.asarray(event).ravel()
    check_lengths(t.size, **{name_event: e})
    codes = as_codes(e, (0, 1), name_event, " (0 censored, 1 event)")
    return t.astype(np.float64, copy=False), codes
