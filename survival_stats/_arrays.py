"""Shared array helpers: sorting, tied-time blocks, group codes, the normal quantile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

Z_975: float = float(stats.norm.ppf(0.975))


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, R's ``qnorm(1 - (1 - conf.int) / 2)``."""
    return float(stats.norm.ppf(1.0 - (1.0 - conf_level) / 2.0))


@dataclass(frozen=True)
class TimeBlocks:
    """Distinct times of one sorted sample with counts per block of tied times.

    ``n_risk[j]`` = number with time >= ``time[j]``; ``counts[j, k]`` = number in block j with
    status code k (0 = censored, 1..K = causes).
    """

    time: np.ndarray
    n_risk: np.ndarray
    counts: np.ndarray  # (n_times, K + 1) int64


def time_blocks(time: np.ndarray, status: np.ndarray, n_codes: int) -> TimeBlocks:
    """Aggregate a time-sorted sample into blocks of tied times (vectorised)."""
    n = time.shape[0]
    if n == 0:
        return TimeBlocks(np.empty(0), np.empty(0, np.int64), np.zeros((0, n_codes), np.int64))
    starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    block = np.cumsum(np.r_[True, time[1:] != time[:-1]]) - 1
    counts = np.zeros((starts.shape[0], n_codes), np.int64)
    _bincount_2d(counts, block, status, n_codes)
    return TimeBlocks(time[starts], n - starts, counts)


def _bincount_2d(out: np.ndarray, block: np.ndarray, status: np.ndarray, n_codes: int) -> None:
    flat = np.bincount(block * n_codes + status, minlength=out.size)
    out[:] = flat.reshape(out.shape)


def group_codes(group: np.ndarray | None, n: int,
                name: str = "group") -> tuple[np.ndarray, list]:
    """Integer codes 0..G-1 and the sorted level labels (R's factor order).

    Missing labels (NaN, None) are refused: R's ``na.omit`` drops those subjects from the
    whole analysis, which the caller must do (and count) explicitly rather than have them
    form a group of their own.
    """
    if group is None:
        return np.zeros(n, np.int64), ["all"]
    arr = np.asarray(group).ravel()
    if arr.dtype.kind in "fcOSUM":
        missing = int(pd.isna(arr).sum())
        if missing:
            raise ValueError(f"{name} has {missing} missing value(s): drop those subjects "
                             "first (R's na.omit would)")
    if arr.dtype.kind in "iu" and arr.size and arr.max() < 1 << 16 and arr.min() >= 0:
        # Small non-negative integer codes: a lookup table instead of a sort, and not even
        # that when the codes are already 0..G-1.
        codes = arr.astype(np.int64, copy=False)
        present = np.bincount(codes) > 0
        levels = np.flatnonzero(present).tolist()
        if present.all():
            return codes, levels
        return (np.cumsum(present) - 1)[codes], levels
    levels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64).ravel(), levels.tolist()


def as_float(x) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def as_int(x) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
        raise ValueError("status codes must be whole numbers")
    return np.asarray(arr, dtype=np.int64).ravel()
