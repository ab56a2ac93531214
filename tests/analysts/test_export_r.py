"""R reads the CSV export natively (base R ``read.csv`` + ``survival``) and gets the engine's
2-year OS of the transplanted AZA/VEN R/R cohort to 1e-9."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.cli import main

pytestmark = pytest.mark.xdist_group("default_registry")  # the shared refresh: one worker builds it

R_SCRIPT = r"""
library(survival)
args <- commandArgs(trailingOnly = TRUE)
export <- args[1]
# the long endpoints table, as an analyst would filter it
ep <- read.csv(file.path(export, "analysis", "endpoints.csv"), na.strings = "NA",
               encoding = "UTF-8", stringsAsFactors = FALSE)
os <- ep[ep$endpoint == "OS" & ep$cohort == "azaven_rr", ]
s <- summary(survfit(Surv(time_days, status) ~ 1, data = os), times = 730)
# the cohort view: one row per patient, no join
cohort <- read.csv(file.path(export, "analysis", "azaven_rr_transplanted.csv"))
v <- summary(survfit(Surv(os_time_days, os_status) ~ 1, data = cohort), times = 730)
stopifnot(is.integer(cohort$c1_response), all(cohort$transplanted == 1))
cat(sprintf("%d %.17g %.17g %.17g %.17g %d\n", nrow(os), s$surv, s$std.err, s$lower, s$upper,
            s$n.risk))
cat(sprintf("%d %.17g %.17g %.17g %.17g %d\n", nrow(cohort), v$surv, v$std.err, v$lower,
            v$upper, v$n.risk))
"""


def _r_with_survival() -> str:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (Debian: apt-get install r-base-core "
                    "r-cran-survival); the R read-back of the CSV export needs it")
    probe = subprocess.run([rscript, "-e", "library(survival)"], capture_output=True, text=True,
                           timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"R's survival package is not installed ({probe.stderr.strip()[:200]})")
    return rscript


def test_r_reads_the_csv_export_and_agrees_with_the_engine(analyst_warehouse, registry_db,
                                                           tmp_path, capsys) -> None:
    rscript = _r_with_survival()
    out = tmp_path / "csv"
    assert main(["export", "--warehouse", str(analyst_warehouse), "--format", "csv",
                 "--schema", "analysis", "--out", str(out)]) == 0
    capsys.readouterr()
    sql = ("SELECT time_days AS time, status FROM analysis.endpoints "
           "WHERE endpoint = 'OS' AND cohort = 'azaven_rr'")
    assert main(["estimate", "--db", str(registry_db), "--method", "km", "--times", "730",
                 "--sql", sql, "--format", "json"]) == 0
    engine = json.loads(capsys.readouterr().out)
    (estimate,) = engine["estimates"]
    script = Path(tmp_path / "os.R")
    script.write_text(R_SCRIPT, encoding="utf-8")
    run = subprocess.run([rscript, str(script), str(out)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split("\n")
    for line in lines[:2]:
        n, surv, se, lower, upper, n_risk = line.split()
        assert int(n) == engine["n"]
        assert abs(float(surv) - estimate["estimate"]) < 1e-9
        assert abs(float(lower) - estimate["lower"]) < 1e-9
        assert abs(float(upper) - estimate["upper"]) < 1e-9
        assert abs(float(se) - estimate["se"]) < 1e-9
        assert int(n_risk) == estimate["n_risk"]
