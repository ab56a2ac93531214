"""Benchmark of the statistics engine against lifelines and (when installed) R survival/cmprsk.

Synthetic data: n subjects, 3 groups, 2 competing causes (+ censoring), in two tie patterns:
``continuous`` (every time distinct, the hard case for a tabulation) and ``few`` (times
rounded to 0.01, a few thousand distinct times). Tasks: KM by group (+ log-rank) and CIF with variance + Gray's test (ours: ``competing_risks``,
R: ``cmprsk::cuminc``, which computes both in one call). Every timing is the best of
``--repeats`` runs (R: repeated inside R with ``system.time``, CSV reading excluded); ours runs
with its default threads and once more with ``AML_REGISTRY_STATS_THREADS=1``. The first call
in a fresh process (numba's cache load, or compilation on a fresh checkout) is timed apart.
Usage:

    .venv/bin/python benchmarks/bench_statistics.py [--sizes 1000,100000,1000000]
        [--ties continuous,few] [--repeats 3] [--max-competitor-n N]
        [--out benchmarks/results/statistics.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survival_stats.competing_risks import competing_risks  # noqa: E402
from survival_stats.kaplan_meier import kaplan_meier  # noqa: E402
from survival_stats.logrank import logrank_test  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(cmprsk)})
d <- read.csv(commandArgs(TRUE)[1])
repeats <- as.integer(commandArgs(TRUE)[2])
km <- sapply(seq_len(repeats), function(i) system.time({
  f <- survfit(Surv(time, status > 0) ~ group, data = d)
  s <- survdiff(Surv(time, status > 0) ~ group, data = d)}))
ci <- sapply(seq_len(repeats), function(i)
  system.time(z <- cuminc(d$time, d$status, d$group)))
cpu <- function(x) min(x["user.self", ] + x["sys.self", ])
cat(sprintf("%.6f %.6f %.6f %.6f\n", min(km["elapsed", ]), min(ci["elapsed", ]), cpu(km),
            cpu(ci)))
"""


TIES = ("continuous", "few")


def synthetic(n: int, ties: str = "continuous", seed: int = 2024) -> pd.DataFrame:
    """n subjects in 3 groups; ``ties`` "continuous" (distinct times) or "few" (rounded to
    0.01: a few thousand distinct times)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    t_event = rng.exponential(5.0 * (1 + 0.2 * group), n)
    t_cens = rng.exponential(8.0, n)
    cause = rng.choice([1, 2], n, p=[0.4, 0.6])
    time = np.minimum(t_event, t_cens)
    if ties == "few":
        time = np.round(time, 2)
    status = np.where(t_event <= t_cens, cause, 0)
    return pd.DataFrame({"time": time, "status": status, "group": group})


def timed(fn, repeats: int = 1) -> float:
    """Best wall-clock time of ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def single_threaded(fn):
    """``fn`` run with the engine's threads set to one."""
    def run() -> None:
        before = os.environ.get("AML_REGISTRY_STATS_THREADS")
        os.environ["AML_REGISTRY_STATS_THREADS"] = "1"
        try:
            fn()
        finally:
            if before is None:
                del os.environ["AML_REGISTRY_STATS_THREADS"]
            else:
                os.environ["AML_REGISTRY_STATS_THREADS"] = before
    return run


FIRST_CALL = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
import survival_stats
t1 = time.perf_counter()
survival_stats.competing_risks([1.0, 2.0, 3.0, 4.0], [1, 2, 0, 1], [0, 0, 1, 1])
print(t1 - t0, time.perf_counter() - t1)
"""


def first_call_seconds() -> tuple[float, float]:
    """(import of survival_stats, first ``competing_risks`` call) in a fresh interpreter: the
    first call imports numba and loads the compiled kernels from the cache (or compiles them,
    on a fresh checkout)."""
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", FIRST_CALL, root], capture_output=True,
                         text=True, check=True)
    imported, first = (float(x) for x in out.stdout.split())
    return imported, first


def ours_km(d: pd.DataFrame) -> None:
    e = (d["status"].to_numpy() > 0).astype(int)
    kaplan_meier(d["time"].to_numpy(), e, d["group"].to_numpy())
    logrank_test(d["time"].to_numpy(), e, d["group"].to_numpy())


def ours_cif(d: pd.DataFrame) -> None:
    t, s, g = d["time"].to_numpy(), d["status"].to_numpy(), d["group"].to_numpy()
    competing_risks(t, s, g)


def lifelines_km(d: pd.DataFrame) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    e = (d["status"] > 0).astype(int)
    for g in range(3):
        sel = d["group"] == g
        KaplanMeierFitter().fit(d.loc[sel, "time"], e[sel])
    multivariate_logrank_test(d["time"], d["group"], e)


def lifelines_cif(d: pd.DataFrame) -> None:
    """AalenJohansenFitter per group and cause (variance on); lifelines has no Gray test."""
    from lifelines import AalenJohansenFitter

    state = np.random.get_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g in range(3):
            sel = d["group"] == g
            for cause in (1, 2):
                AalenJohansenFitter(calculate_variance=True, seed=1).fit(
                    d.loc[sel, "time"], d.loc[sel, "status"], event_of_interest=cause)
    np.random.set_state(state)


def cpu_timed(fn, repeats: int = 1) -> float:
    """Least CPU time (all threads of this process) of ``repeats`` runs: on a shared machine
    less disturbed by the other processes than the wall clock."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def r_times(d: pd.DataFrame, repeats: int) -> tuple[float, ...] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        script = Path(tmp) / "bench.R"
        d.to_csv(csv, index=False, float_format="%.17g")  # R reads the very same doubles
        script.write_text(R_SCRIPT)
        proc = subprocess.run(["Rscript", str(script), str(csv), str(repeats)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return None
        return tuple(float(x) for x in proc.stdout.split())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--ties", default="continuous,few",
                    help=f"tie patterns, comma-separated, of {TIES}")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    ap.add_argument("--max-competitor-n", type=int, default=100_000,
                    help="skip lifelines' AalenJohansenFitter above this n (it is the slowest)")
    ap.add_argument("--out", default="benchmarks/results/statistics.json")
    args = ap.parse_args(argv)
    rows = []
    import_seconds, first_call = first_call_seconds()
    print(json.dumps({"import_seconds": import_seconds, "first_call_seconds": first_call}),
          flush=True)
    reps = args.repeats
    cases = [(int(x), ties) for x in args.sizes.split(",") for ties in args.ties.split(",")]
    for n, ties in cases:
        d = synthetic(n, ties)
        ours_km(d.head(100))
        ours_cif(d.head(100))  # warm-up
        ours_cif(d)
        load_before = os.getloadavg()
        row = {"n": n, "ties": ties, "distinct_times": int(d["time"].nunique()),
               "ours_km": timed(lambda d=d: ours_km(d), reps),
               "ours_cif_gray": timed(lambda d=d: ours_cif(d), reps),
               "ours_cif_gray_1_thread": timed(single_threaded(lambda d=d: ours_cif(d)), reps),
               "lifelines_km": (timed(lambda d=d: lifelines_km(d), reps)
                                if n <= args.max_competitor_n else None)}
        # lifelines' AalenJohansenFitter takes minutes at 1M: timed once.
        row["lifelines_cif"] = (timed(lambda d=d: lifelines_cif(d))
                                if n <= args.max_competitor_n else None)
        row["ours_cif_gray_cpu"] = cpu_timed(lambda d=d: ours_cif(d), reps)
        r = r_times(d, reps)
        row["r_km"], row["r_cif_gray"], row["r_km_cpu"], row["r_cif_gray_cpu"] = \
            r if r else (None, None, None, None)
        row["ratio_r_cif_gray_cpu"] = (row["r_cif_gray_cpu"] / row["ours_cif_gray_cpu"]
                                       if r and row["ours_cif_gray_cpu"] > 0 else None)
        # the machine is shared: its 1-minute load average around the row's timings
        row["load_average_1min"] = [load_before[0], os.getloadavg()[0]]
        for comp in ("lifelines_km", "r_km"):
            row[f"ratio_{comp}"] = row[comp] / row["ours_km"] if row[comp] else None
        for comp in ("lifelines_cif", "r_cif_gray"):
            row[f"ratio_{comp}"] = row[comp] / row["ours_cif_gray"] if row[comp] else None
            row[f"ratio_{comp}_1_thread"] = (row[comp] / row["ours_cif_gray_1_thread"]
                                             if row[comp] else None)
        rows.append(row)
        print(json.dumps(row), flush=True)
    table = pd.DataFrame(rows)
    notes = ["seconds; ratio = competitor / ours (> 1: ours faster)",
             "KM task: KM by group + log-rank; CIF task: CIF with variance for 2 causes x 3 "
             "groups + Gray's test (lifelines: AalenJohansenFitter, no Gray test exists)",
             "R timed inside R with system.time (survfit+survdiff; cuminc incl. Gray's test), "
             "in the same run on the same rows (CSV written at full precision)",
             "_cpu columns: CPU seconds (user + system; ours: all threads of the process), "
             "less disturbed by the other sessions than wall clock; the ratios are wall clock "
             "unless named _cpu",
             "ties: continuous = every time distinct; few = times rounded to 0.01",
             f"best of {reps} runs (lifelines' AalenJohansenFitter: one run); ours with "
             f"{os.cpu_count()} cores available and with AML_REGISTRY_STATS_THREADS=1",
             f"fresh process: import survival_stats {import_seconds:.2f} s, then the first "
             f"competing_risks call (numba import + cached kernels, or compilation on a fresh "
             f"checkout) {first_call:.2f} s"]
    skipped = [r["n"] for r in rows if r["lifelines_cif"] is None]
    if skipped:
        notes.append(f"lifelines skipped at n = {skipped} "
                     f"(--max-competitor-n {args.max_competitor_n})")
    if shutil.which("Rscript") is None:
        notes.append("Rscript not found: R columns empty")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for note in notes:
        print("note:", note)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "notes": notes, "import_seconds": import_seconds,
                               "first_call_seconds": first_call}, indent=2))
    md = out.with_suffix(".md")
    md.write_text(table.to_markdown(index=False, floatfmt=".3f") + "\n\n" +
                  "\n".join(f"- {x}" for x in notes) + "\n"
                  if _has_tabulate() else table.to_string(index=False) + "\n")
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
