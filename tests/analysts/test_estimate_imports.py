"""``aml-registry estimate --method cox`` starts fast because it imports only numpy and
duckdb (issue 17: at most 1.5 s end to end on 10,000 rows): no Dagster (the command must not
load the pipeline definitions), no pandas, scipy, numba, lifelines or numpy.ma. Checked in a
fresh interpreter, whose sys.modules after the command is what a user's process pays for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Modules the estimate path must not import (top-level package names).
HEAVY = ("dagster", "pandas", "scipy", "numba", "lifelines", "pyarrow", "numpy.ma")

RUN = r"""
import json, sys
from pipelines.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    """1,000 rows with a NULL-free numeric, a text and a boolean covariate."""
    path = tmp_path / "registry.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE d AS SELECT (range * 7919 % 1000 + 1)::DOUBLE AS time, "
                "(range % 3 <> 0)::INT AS status, (range * 31 % 50 + 20)::DOUBLE AS age, "
                "CASE WHEN range % 3 = 0 THEN 'a' WHEN range % 3 = 1 THEN 'b' ELSE 'c' END AS arm, "
                "range % 2 = 0 AS female FROM range(1000)")
    con.close()
    return path


@pytest.mark.parametrize("method,sql", [
    ("cox", "SELECT time, status, age, arm, female FROM d"),
    ("km", "SELECT time, status, arm AS \"group\" FROM d"),
])
def test_estimate_imports_no_heavy_modules(registry: Path, method: str, sql: str):
    out = subprocess.run(
        [sys.executable, "-c", RUN, "estimate", "--db", str(registry), "--method", method,
         "--format", "json", "--sql", sql],
        capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    *printed, last = out.stdout.strip().splitlines()
    report = json.loads(last)
    assert report["code"] == 0, out.stderr
    result = json.loads(printed[-1])
    assert result["method"] == method and result["n"] == 1000
    loaded = [m for m in report["modules"]
              if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == [], f"estimate --method {method} imported {loaded}"
