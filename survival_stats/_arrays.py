"""Shared array helpers: sorting, tied-time blocks, group codes, the normal quantile."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

#: R's qnorm is Wichura's AS 241, as is the standard library's NormalDist.inv_cdf (no scipy
#: import needed for a quantile).
Z_975: float = NormalDist().inv_cdf(0.975)


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, R's ``qnorm(1 - (1 - conf.int) / 2)`` (AS 241)."""
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    return NormalDist().inv_cdf(1.0 - (1.0 - conf_level) / 2.0)


def masked_parts(col) -> tuple[np.ndarray, np.ndarray]:
    """(data, mask) of a column that may be a numpy masked array (duckdb ``fetchnumpy`` gives
    one for a column with NULLs), without importing ``numpy.ma`` (25 ms) when none can exist:
    a masked array exists only once numpy.ma is imported."""
    if "numpy.ma" in sys.modules and isinstance(col, sys.modules["numpy.ma"].MaskedArray):
        return np.ma.getdata(col), np.ma.getmaskarray(col)
    data = np.asarray(col)
    return data, np.zeros(data.shape, bool)


def missing_mask(arr: np.ndarray) -> np.ndarray:
    """NaN/None/NaT per element (pandas' isna without importing pandas)."""
    if arr.dtype.kind in "fc":
        return np.isnan(arr)
    if arr.dtype.kind == "M":
        return np.isnat(arr)
    if arr.dtype.kind == "O":
        try:  # elementwise in C: None, and values unequal to themselves (NaN, NaT)
            return np.equal(arr, None) | np.not_equal(arr, arr)
        except TypeError:  # pandas.NA has no truth value: one element at a time
            return np.fromiter((v is None or (isinstance(v, float) and v != v) or
                                (v.__class__.__name__ in ("NAType", "NaTType"))
                                for v in arr.ravel()), bool, arr.size).reshape(arr.shape)
    return np.zeros(arr.shape, bool)


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
    if n != arr.size:
        raise ValueError(f"{name} has {arr.size} values for {n} subjects (time): the arrays "
                         "must be aligned, one value per subject")
    if arr.dtype.kind in "fcOSUM":
        miss = missing_mask(arr)
        if miss.any():
            first = int(np.flatnonzero(miss)[0])
            raise ValueError(f"{name} has {int(miss.sum())} missing value(s), the first at "
                             f"index {first}: drop those subjects first (R's na.omit would)")
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


def chi2_sf(stat: float, df: int) -> float:
    """Upper tail P(X > stat) of chi-square with whole ``df``, exact closed forms (no scipy).

    Q(k/2, x/2) of the regularised incomplete gamma: for even k, e^-y sum_{i<k/2} y^i / i!;
    for odd k, erfc(sqrt y) + e^-y sum_{j=1}^{(k-1)/2} y^(j-1/2) / Gamma(j + 1/2), y = x / 2
    (Abramowitz & Stegun 26.4.4-5). All terms are positive, so the tail keeps full relative
    precision far below R's ``1 - pchisq`` (documented difference: exact upper tails).
    NaN for a NaN statistic or df < 1.
    """
    if not df or df < 1 or stat is None or math.isnan(stat):
        return float("nan")
    if stat == math.inf:
        return 0.0
    k = int(df)
    y = max(float(stat), 0.0) / 2.0
    if y == 0.0:
        return 1.0
    log_y = math.log(y)
    if k % 2 == 0:
        terms = [i * log_y - y - math.lgamma(i + 1.0) for i in range(k // 2)]
        return float(min(1.0, math.fsum(math.exp(t) for t in terms)))
    head = math.erfc(math.sqrt(y))
    terms = [(j - 0.5) * log_y - y - math.lgamma(j + 0.5) for j in range(1, (k - 1) // 2 + 1)]
    return float(min(1.0, head + math.fsum(math.exp(t) for t in terms)))


def normal_two_sided_p(z: np.ndarray) -> np.ndarray:
    """2 P(Z > |z|) = erfc(|z| / sqrt 2) (no scipy)."""
    zz = np.abs(np.asarray(z, dtype=float))
    out = np.array([math.erfc(v / math.sqrt(2.0)) if math.isfinite(v) else
                    (0.0 if v == math.inf else math.nan) for v in zz.ravel()])
    return out.reshape(zz.shape)


#: A variance whose smallest eigenvalue is below this fraction of the magnitude of the terms it
#: was summed from is rounding noise (e.g. Gray's test with a one-subject group: 4.5e-32).
DEGENERATE_RELATIVE = 1e-10


def quadratic_statistic(score: np.ndarray, var: np.ndarray, scale: float) -> float:
    """Chi-square statistic s' V^-1 s, or NaN when V is singular relative to ``scale`` (the
    magnitude of the terms V was summed from): a degenerate variance has no test."""
    if var.size == 0 or not np.all(np.isfinite(var)):
        return float("nan")
    sym = (var + var.T) / 2.0
    if np.linalg.eigvalsh(sym).min() <= DEGENERATE_RELATIVE * max(scale, np.finfo(float).tiny):
        return float("nan")
    try:
        return float(score @ np.linalg.solve(var, score))
    except np.linalg.LinAlgError:
        return float("nan")
