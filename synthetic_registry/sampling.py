"""Random draws of the generator: quotas, weighted choices, Weibull event times, allocation.

Quotas use largest-remainder rounding then a random permutation (Hamilton's method), so a
group of any size has the study's proportions and the default registry its exact counts.
"""

from __future__ import annotations

import numpy as np

from synthetic_registry.calibration import YEAR


def quota(rng: np.random.Generator, n: int, counts: dict) -> np.ndarray:
    """n draws whose frequencies are ``counts`` rescaled to n (largest remainder), shuffled."""
    keys = list(counts)
    p = np.array([counts[k] for k in keys], float)
    raw = n * p / p.sum()
    base = np.floor(raw).astype(int)
    rem = n - int(base.sum())
    if rem:
        frac = raw - base + rng.random(len(keys)) * 1e-9
        base[np.argsort(-frac, kind="stable")[:rem]] += 1
    out = np.repeat(np.array(keys, dtype=object), base)
    return out[rng.permutation(n)]


def choice(rng: np.random.Generator, n: int, weights: dict) -> np.ndarray:
    """n independent draws of the keys of ``weights`` with probabilities proportional to them."""
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def weibull(rng: np.random.Generator, scale2y: np.ndarray, shape: float) -> np.ndarray:
    """Event time (days) with cumulative hazard H(t) = scale2y * (t / 730.5) ** shape."""
    e = rng.exponential(1.0, len(scale2y))
    return 2 * YEAR * (e / scale2y) ** (1.0 / shape)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder, deterministic)."""
    w = np.asarray(weights, float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base.tolist()
