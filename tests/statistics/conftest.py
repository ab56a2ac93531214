"""Shared fixtures: the R reference files in ``shared/reference`` beside the repository."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"reference file missing: {path} (shared/ must sit beside the repository)")
    return path


@pytest.fixture(scope="session")
def lung() -> pd.DataFrame:
    d = pd.read_csv(_need(REFERENCE / "lung.csv"))
    d["event"] = (d["status"] == 2).astype(int)
    return d


@pytest.fixture(scope="session")
def lung_ref() -> dict:
    return json.loads(_need(REFERENCE / "lung_reference.json").read_text())


@pytest.fixture(scope="session")
def lung_curves() -> pd.DataFrame:
    return pd.read_csv(_need(REFERENCE / "lung_km_curves.csv"), dtype={"group": str})


@pytest.fixture(scope="session")
def mgus2() -> pd.DataFrame:
    """mgus2 with the compete-vignette endpoint: etime, event (0 cens, 1 PCM, 2 death)."""
    d = pd.read_csv(_need(REFERENCE / "mgus2.csv"))
    d["etime"] = np.where(d["pstat"] == 0, d["futime"], d["ptime"])
    d["event"] = np.where(d["pstat"] == 0, 2 * d["death"], 1)
    d["sexM"] = (d["sex"] == "M").astype(float)
    return d


@pytest.fixture(scope="session")
def mgus2_ref() -> dict:
    return json.loads(_need(REFERENCE / "mgus2_reference.json").read_text())


@pytest.fixture(scope="session")
def mgus2_curves() -> pd.DataFrame:
    return pd.read_csv(_need(REFERENCE / "mgus2_cuminc_curves.csv"), dtype={"group": str})


def _close(actual, expected, abs_tol: float = 0.0, rel_tol: float = 0.0) -> bool:
    """Elementwise comparison where None/NaN must match None/NaN."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray([np.nan if v is None else v for v in np.atleast_1d(expected)], dtype=float)
    a = np.atleast_1d(a)
    if a.shape != e.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(e)
    ok = np.isclose(a, e, rtol=rel_tol, atol=abs_tol) | both_nan
    return bool(ok.all())


@pytest.fixture(scope="session")
def close():
    """``close(actual, expected, abs_tol, rel_tol)``: elementwise, None/NaN must match."""
    return _close


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``shared/reference`` beside the repository root."""
    return _need(REFERENCE)
