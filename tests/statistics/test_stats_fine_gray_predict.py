"""Fine-Gray predicted CIF curves against R ``cmprsk::predict.crr`` on mgus2.

Reference: ``tools/r/fine_gray_predict_reference.R`` -> ``fine_gray_predict_reference.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survival_stats.fine_gray import fine_gray

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("cause", [1, 2])
def test_predicted_cif_equals_predict_crr(cause):
    ref = json.loads((DATA / "fine_gray_predict_reference.json").read_text())
    r = ref["fits"][f"cause{cause}"]
    d = pd.read_csv(DATA / "mgus2_fine_gray.csv")
    fit = fine_gray(d["time"], d["status"], d[["sexM", "age"]].to_numpy(), failcode=cause)
    assert np.allclose(fit.coef, r["coef"], rtol=1e-9, atol=0)
    assert np.allclose(fit.bfitj, r["bfitj"], rtol=1e-9, atol=0)
    pred = fit.predict(np.array(ref["profiles"], dtype=float))
    assert np.array_equal(pred["time"], np.array(r["uftime"], dtype=float))
    assert np.allclose(pred["cif"], np.array(r["cif"], dtype=float), rtol=1e-9, atol=1e-15)


def test_predict_checks_the_number_of_columns():
    d = pd.read_csv(DATA / "mgus2_fine_gray.csv")
    fit = fine_gray(d["time"], d["status"], d[["sexM", "age"]].to_numpy())
    with pytest.raises(ValueError, match="2 columns"):
        fit.predict([[1.0, 2.0, 3.0]])
