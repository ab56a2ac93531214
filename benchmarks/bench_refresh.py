"""Benchmark: full refresh and one-centre incremental refresh at scale.

Generates a registry of N patients with the generator's scale mode (or reuses one), runs the
full refresh (the same Dagster jobs as the CLI, in process, ephemeral instance), then drops a
new delivery for one centre and refreshes again. Prints wall time, rows/s per layer (from
Dagster's step timings) and peak memory (max RSS of this process), and writes them to a JSON
file. Beside it, in the same run, DuckDB's own ``read_csv`` of every delivered CSV file into a
database file (the floor a DuckDB-native refresh is measured against). Targets (issue 16):
full <= 8x that read_csv, a one-centre incremental (``--centre``) <= 0.15 of the full,
peak RSS <= 1 GB per 100,000 patients; at 1,000,000 patients full <= 120 s and <= 4 GB.

    .venv/bin/python benchmarks/bench_refresh.py --patients 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.refresh import run_refresh  # noqa: E402
from schemas.dialect import discover_centres, load_dialect  # noqa: E402
from synthetic_registry import generate_registry  # noqa: E402
from warehouse.pseudonym import DEMO_MARKER  # noqa: E402

LAYER_OF_STEP = {
    "raw_centre_exports": "raw",
    "staging_centre_tables": "staging",
    "harmonised_centre": "harmonised",
    "analysis_tables": "analysis",
    "quality_expectation_results": "quality (data docs)",
    "outcome_analyses": "outcomes + report",
    "published_registry": "publish",
}


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, GB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def layer_seconds(instance: dg.DagsterInstance, since: float) -> dict[str, float]:
    """Sum of step durations per layer over the runs started after ``since``."""
    out: dict[str, float] = {}
    for run in instance.get_runs():
        stats = instance.get_run_stats(run.run_id)
        if stats.start_time is None or stats.start_time < since:
            continue
        for step in instance.get_run_step_stats(run.run_id):
            if step.start_time is None or step.end_time is None:
                continue
            layer = LAYER_OF_STEP.get(step.step_key, step.step_key)
            out[layer] = out.get(layer, 0.0) + (step.end_time - step.start_time)
    return out


def layer_rows(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True)
    try:
        rows = dict(con.execute(
            "SELECT schema_name, sum(estimated_size) FROM duckdb_tables() "
            "GROUP BY schema_name").fetchall())
    finally:
        con.close()
    return {"raw": int(rows.get("raw", 0)), "staging": int(rows.get("staging", 0)),
            "harmonised": int(rows.get("harmonised", 0)),
            "analysis": int(rows.get("analysis", 0))}


def bare_read_csv_seconds(landing: Path, database: Path) -> dict:
    """DuckDB's own read_csv (all text, the centre's delimiter) of every delivered CSV file
    into a database file; workbooks cannot be read by it and are counted apart."""
    database.unlink(missing_ok=True)
    files, rows, workbooks = 0, 0, 0
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        for folder in sorted(discover_centres(landing).values()):
            dialect = load_dialect(folder / "centre.yaml")
            for path in sorted(folder.glob("*/*")):
                if path.suffix == ".xlsx":
                    workbooks += 1
                    continue
                if path.suffix != ".csv":
                    continue
                files += 1
                encoding = "utf-8" if dialect.encoding.lower().replace("_", "-") in (
                    "utf-8", "utf8", "ascii") else "latin-1"
                con.execute(f"CREATE TABLE t{files} AS SELECT * FROM read_csv(?, all_varchar "
                            "= true, header = true, delim = ?, encoding = ?)",
                            [str(path), dialect.delimiter, encoding])
                rows += con.execute(f"SELECT count(*) FROM t{files}").fetchone()[0]
    return {"seconds": round(time.perf_counter() - started, 2), "csv_files": files,
            "rows": int(rows), "xlsx_files_not_read": workbooks}


def add_delivery(landing: Path) -> str:
    """A new delivery (dated today: a later date is refused as exported in the future) of the
    first CSV centre: its newest export, re-sent."""
    today = dt.date.today().isoformat()
    for centre, folder in sorted(discover_centres(landing).items()):
        if load_dialect(folder / "centre.yaml").format == "csv":
            newest = sorted(p for p in folder.iterdir() if p.is_dir())[-1]
            if newest.name >= today:
                raise RuntimeError(f"{folder} already has a delivery dated {newest.name}")
            shutil.copytree(newest, folder / today)
            return centre
    raise RuntimeError("no CSV centre")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--workdir", default="/tmp/aml-registry-bench")
    parser.add_argument("--out", default="benchmarks/results/refresh.json")
    parser.add_argument("--reuse-landing", action="store_true")
    args = parser.parse_args()
    work = Path(args.workdir)
    landing, warehouse = work / f"landing-{args.patients}", work / f"warehouse-{args.patients}"
    os.environ.setdefault("AML_REGISTRY_PSEUDONYM_KEY", "benchmark-key-not-secret-0123")
    results: dict = {"patients": args.patients, "cores": os.cpu_count()}
    if not (args.reuse_landing and landing.exists()):
        shutil.rmtree(landing, ignore_errors=True)
        t = time.perf_counter()
        generate_registry(landing, patients=args.patients)
        results["generate_seconds"] = round(time.perf_counter() - t, 1)
        (landing / DEMO_MARKER).write_text("synthetic benchmark registry\n")
    shutil.rmtree(warehouse, ignore_errors=True)
    results["bare_read_csv"] = bare_read_csv_seconds(landing, work / "bare-read-csv.duckdb")
    print(f"  DuckDB read_csv of the delivered CSV files: {results['bare_read_csv']}",
          flush=True)
    instance = dg.DagsterInstance.ephemeral()

    t0 = time.time()
    full = run_refresh(landing, warehouse, progress=lambda m: print(f"  {m}", flush=True),
                       instance=instance)
    full_seconds = time.time() - t0
    rows = layer_rows(warehouse)
    secs = layer_seconds(instance, t0)
    results["full"] = {
        "published": full.published, "seconds": round(full_seconds, 1),
        "layer_seconds": {k: round(v, 1) for k, v in secs.items()},
        "rows": rows,
        "rows_per_second": {layer: round(rows[layer] / secs[layer]) for layer in
                            ("raw", "staging", "harmonised", "analysis")
                            if secs.get(layer)},
        "peak_rss_gb": round(peak_rss_gb(), 2),
        "ratio_to_bare_read_csv": round(full_seconds / results["bare_read_csv"]["seconds"], 1),
    }
    centre = add_delivery(landing)
    t1 = time.time()
    incremental = run_refresh(landing, warehouse, centres=[centre],
                              progress=lambda m: print(f"  {m}", flush=True), instance=instance)
    inc_seconds = time.time() - t1
    results["incremental"] = {
        "centre_with_new_delivery": centre, "published": incremental.published,
        "seconds": round(inc_seconds, 1),
        "layer_seconds": {k: round(v, 1) for k, v in layer_seconds(instance, t1).items()},
        "ratio_to_full": round(inc_seconds / full_seconds, 3),
    }
    results["peak_rss_gb"] = round(peak_rss_gb(), 2)
    print(json.dumps(results, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
