"""Start-up and the pandas-free Cox input: ``import survival_stats`` loads no numpy (every name
is imported on first use), a submodule import never shadows the function of its name, and
``cox_ph`` on plain numpy columns (DuckDB's ``fetchnumpy``, masked NULLs) fits the model of
the same rows as a DataFrame, without importing pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return out.stdout.strip()


def test_import_loads_no_numpy_pandas_or_numba():
    loaded = _run("import sys, survival_stats; "
                  "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'scipy', 'duckdb') "
                  "if m in sys.modules))")
    assert loaded == "[]"


def test_function_named_modules_do_not_shadow_their_functions():
    # gray_test imports cumulative_incidence and competing_risks imports both: the package
    # must still give the functions
    names = ("competing_risks", "cumulative_incidence", "gray_test", "kaplan_meier",
             "fine_gray")
    kinds = _run("import importlib, survival_stats as ss; "
                 "importlib.import_module('survival_stats.competing_risks'); "
                 "importlib.import_module('survival_stats.fine_gray'); "
                 f"print([type(getattr(ss, n)).__name__ for n in {names!r}])")
    assert kinds == str(["function"] * len(names))


def test_cox_from_duckdb_columns_never_imports_pandas(tmp_path):
    import duckdb

    db = tmp_path / "cox.duckdb"
    rng = np.random.default_rng(3)
    n = 400
    rows = [(float(t), int(s), None if i % 17 == 0 else float(a), None if i % 23 == 0 else arm)
            for i, (t, s, a, arm) in enumerate(zip(
                rng.exponential(100, n), rng.integers(0, 2, n), rng.normal(50, 9, n),
                rng.choice(list("abc"), n), strict=True))]
    complete = sum(1 for r in rows if None not in r)
    with duckdb.connect(str(db)) as con:
        con.execute("create table p (time double, status int, age double, arm varchar)")
        con.executemany("insert into p values (?, ?, ?, ?)", rows)
    out = _run("import sys\n"
               "from survival_stats.query import estimate_from_duckdb\n"
               f"r = estimate_from_duckdb({str(db)!r}, 'select time, status, age, arm from p', "
               "'cox')\n"
               "print('pandas' in sys.modules, r['n'], [c['term'] for c in r['coefficients']])")
    assert out == f"False {complete} ['age', 'armb', 'armc']"


@pytest.mark.parametrize("stratified", [False, True])
def test_cox_on_numpy_columns_equals_the_dataframe_fit(stratified):
    from survival_stats.cox import cox_ph

    rng = np.random.default_rng(29)
    n = 600
    age = rng.normal(55, 12, n).round()
    age[::31] = np.nan
    arm = rng.choice(["b", "a", "c"], n).astype(object)
    arm[::37] = None
    frame = pd.DataFrame({"time": rng.exponential(20, n).round(), "status": rng.integers(0, 2, n),
                          "age": age, "arm": arm, "flag": rng.integers(0, 2, n) == 1,
                          "centre": rng.integers(0, 3, n)})
    masked_arm = np.ma.masked_array(np.where(arm == None, "", arm).astype(object),  # noqa: E711
                                    mask=arm == None)  # noqa: E711
    columns = {"time": frame["time"].to_numpy(), "status": frame["status"].to_numpy(),
               "age": np.ma.masked_invalid(age), "arm": masked_arm,
               "flag": frame["flag"].to_numpy(), "centre": frame["centre"].to_numpy()}
    strata = "centre" if stratified else None
    a = cox_ph(frame, "time", "status", ["age", "arm", "flag"], strata=strata)
    b = cox_ph(columns, "time", "status", ["age", "arm", "flag"], strata=strata)
    assert [t.term for t in a.terms] == [t.term for t in b.terms] == [
        "age", "armb", "armc", "flagTrue"]
    assert (a.n, a.n_event, a.n_dropped_missing) == (b.n, b.n_event, b.n_dropped_missing)
    assert a.n_dropped_missing > 0
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)
    np.testing.assert_allclose(a.var, b.var, rtol=1e-12)
    assert a.concordance == pytest.approx(b.concordance, rel=1e-12)
