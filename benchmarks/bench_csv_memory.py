"""Peak memory and speed of loading one large CSV into raw, by file size (issue 18: a 200 MB
CSV refreshed with 13 GB peak memory; streaming must keep memory within a small multiple of a
chunk; issue 16: raw loading ran 6x slower than DuckDB's own ``read_csv``).

Each measurement runs in a fresh process on a file generated in a temporary folder:

- ``extract``: :func:`extraction.load.extract_centre` alone (the raw layer: streamed hash and
  decoding, DuckDB's CSV reader straight into ``raw``), peak RSS and rows/s;
- ``bare``: DuckDB's own ``read_csv`` of the same file (all text) into a database file, in
  the same run, the yardstick of the raw loading's rows/s;
- ``refresh`` (``--with-staging``): extraction then :func:`extraction.stage.stage_centre`
  (an empty patients file: every mutation row is quarantined as an orphan);
- ``centre`` (``--centre-sizes``): a whole centre refresh without Dagster: extraction,
  staging (in chunks, ``--chunk-rows``) and the harmonised partition (in batches of
  patients), on a centre whose patients file holds every patient of the mutations (one per
  20 rows), so the rows are staged and harmonised, not quarantined. Each size is measured
  ``--repeat`` times (best of), beside ``bare`` of the same mutations file.

    .venv/bin/python benchmarks/bench_csv_memory.py --sizes-mb 5 20 80 --with-staging 5 20
    .venv/bin/python benchmarks/bench_csv_memory.py --sizes-mb 20 --encoding cp1252
    .venv/bin/python benchmarks/bench_csv_memory.py --sizes-mb --centre-sizes 5 20 80 200 \
        --out issue18/centre_memory.json --baseline /path/to/main
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "patient_id,gene,detected,variant,vaf\n"


def write_mutations_csv(path: Path, megabytes: float, encoding: str = "utf-8") -> int:
    """A mutations.csv of about ``megabytes`` MB; returns its rows."""
    target = int(megabytes * 1024 * 1024)
    rows = 0
    with path.open("w", encoding=encoding, newline="") as fh:
        fh.write(HEADER)
        written = len(HEADER)
        while written < target:
            line = f"P{rows // 20:07d},G{rows % 20:02d},true,p.R{rows % 997}H,0.{rows % 89:02d}\n"
            fh.write(line)
            written += len(line)
            rows += 1
    return rows


def write_patients_csv(path: Path, patients: int, encoding: str = "utf-8") -> None:
    """A patients.csv with the patients P0000000.. of :func:`write_mutations_csv`."""
    with path.open("w", encoding=encoding, newline="") as fh:
        fh.write("patient_id,sex,birth_date,diagnosis_date\n")
        for i in range(patients):
            fh.write(f"P{i:07d},{('male', 'female')[i % 2]},19{40 + i % 50}-0{1 + i % 9}-1{i % 10},"
                     f"20{10 + i % 15}-0{1 + i % 9}-2{i % 8}\n")


def _centre(tmp: Path, megabytes: float, encoding: str,
            with_patients: bool = False) -> tuple[Path, int]:
    centre = tmp / "landing" / "BIG"
    delivery = centre / "2026-11-16"
    delivery.mkdir(parents=True)
    (centre / "centre.yaml").write_text(
        f"centre_id: BIG\nname: BIG\ncountry: FR\nencoding: {encoding}\n")
    rows = write_mutations_csv(delivery / "mutations.csv", megabytes, encoding)
    if with_patients:
        write_patients_csv(delivery / "patients.csv", -(-rows // 20), encoding)
    else:
        (delivery / "patients.csv").write_text("patient_id,sex,birth_date,diagnosis_date\n",
                                               encoding=encoding)
    (delivery / "_SUCCESS").touch()
    return centre, rows


def measure_one(mode: str, megabytes: float, encoding: str, chunk_rows: int = 50_000) -> dict:
    """One measurement in this process: ``extract``, ``refresh``, ``centre`` or ``bare``."""
    import duckdb  # imported before measuring: its own memory is not the file's

    from extraction.load import extract_centre
    from extraction.stage import stage_centre
    from schemas.dialect import load_dialect
    from warehouse.database import Warehouse
    from warehouse.harmonised_centre import drop_scratch, harmonise_centre, publish_partition

    extra: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        centre, rows = _centre(Path(tmp), megabytes, encoding, with_patients=mode == "centre")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        if mode == "bare":
            with duckdb.connect(str(Path(tmp) / "bare.duckdb")) as con:
                con.execute("CREATE TABLE mutations AS SELECT * FROM read_csv(?, all_varchar "
                            "= true, header = true)",
                            [str(centre / "2026-11-16" / "mutations.csv")])
                loaded = con.execute("SELECT count(*) FROM mutations").fetchone()[0]
        else:
            dialect = load_dialect(centre / "centre.yaml")
            with Warehouse(Path(tmp) / "wh").connect() as con:
                extract_centre(con, centre, dialect)
                loaded = con.execute("SELECT count(*) FROM raw.mutations").fetchone()[0]
                if mode in ("refresh", "centre"):
                    staged = stage_centre(con, dialect, chunk_rows=chunk_rows)
                    extra["rows_staged"] = sum(staged.rows_staged.values())
                    extra["rows_quarantined"] = sum(staged.rows_quarantined.values())
                if mode == "centre":
                    extra["chunk_rows"] = chunk_rows
                    extra["after_staging_peak_rss_mb"] = round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
                    summary = harmonise_centre(con, "BIG")
                    con.execute("BEGIN TRANSACTION")
                    publish_partition(con, summary)
                    con.execute("COMMIT")
                    drop_scratch(con)
                    extra["harmonised_patients"] = summary.patients
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert loaded == rows, (loaded, rows)
    return {"mode": mode, "encoding": encoding, "file_mb": megabytes, "rows": rows,
            "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
            "peak_rss_mb": round(peak / 1024), "rss_before_mb": round(before / 1024),
            "duckdb": duckdb.__version__, **extra}


def _run(mode: str, size: float, encoding: str, chunk_rows: int = 50_000,
         baseline: Path | None = None) -> dict:
    """One measurement in a fresh process; with ``baseline`` (another checkout of the
    project, with its own .venv), that checkout's code measures it."""
    python, script, env = sys.executable, __file__, None
    if baseline is not None:
        python = str(baseline / ".venv" / "bin" / "python")
        script = str(baseline / "benchmarks" / "bench_csv_memory.py")
        env = {**os.environ, "PYTHONPATH": str(baseline)}
    out = subprocess.run([python, script, "--one", mode, str(size), encoding, str(chunk_rows)],
                         check=True, capture_output=True, text=True, env=env,
                         cwd=baseline).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["code"] = "baseline" if baseline is not None else "this checkout"
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(result, flush=True)
    return result


def _best_centre(size: float, args: argparse.Namespace) -> dict:
    """A whole centre refresh and DuckDB's bare read_csv of the same file, side by side in
    turn, best of ``--repeat`` (lowest peak RSS; the machine is shared and noisy)."""
    centres, bares, baselines = [], [], []
    for _ in range(args.repeat):
        if args.baseline is not None:
            baselines.append(_run("centre", size, args.encoding, args.chunk_rows,
                                  args.baseline))
        centres.append(_run("centre", size, args.encoding, args.chunk_rows))
        bares.append(_run("bare", size, args.encoding))
    best = min(centres, key=lambda r: r["peak_rss_mb"])
    if baselines:
        before = min(baselines, key=lambda r: r["peak_rss_mb"])
        best["baseline_peak_rss_mb"] = before["peak_rss_mb"]
        best["baseline_peak_rss_mb_runs"] = [r["peak_rss_mb"] for r in baselines]
        best["baseline_seconds_best"] = min(r["seconds"] for r in baselines)
    bare = min(bares, key=lambda r: r["peak_rss_mb"])
    best["runs"] = len(centres)
    best["peak_rss_mb_runs"] = [r["peak_rss_mb"] for r in centres]
    best["seconds_best"] = min(r["seconds"] for r in centres)
    best["bare_peak_rss_mb"] = bare["peak_rss_mb"]
    best["bare_seconds"] = min(r["seconds"] for r in bares)
    best["peak_over_bare_rss"] = round(best["peak_rss_mb"] / bare["peak_rss_mb"], 2)
    best["peak_above_baseline_mb"] = best["peak_rss_mb"] - best["rss_before_mb"]
    print("centre", size, "MB: peak", best["peak_rss_mb"], "MB vs bare read_csv",
          bare["peak_rss_mb"], "MB", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="*", default=[5.0, 20.0])
    parser.add_argument("--with-staging", type=float, nargs="*", default=[],
                        help="sizes also measured with staging (the pre-change figure)")
    parser.add_argument("--centre-sizes", type=float, nargs="*", default=[],
                        help="sizes measured as a whole centre refresh (extract, staging, "
                             "harmonised), beside DuckDB's bare read_csv")
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--out", default="csv_memory.json")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout (with its .venv) whose whole centre refresh "
                             "is measured beside this one's, in turn (before/after)")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        mode, size, encoding, chunk = args.one
        print(json.dumps(measure_one(mode, float(size), encoding, int(chunk))))
        return
    results = []
    for size in args.sizes_mb:
        extract = _run("extract", size, args.encoding)
        bare = _run("bare", size, args.encoding)
        extract["bare_read_csv_rows_per_second"] = bare["rows_per_second"]
        extract["raw_over_bare_seconds"] = round(extract["seconds"] / bare["seconds"], 2)
        results += [extract, bare]
    for size in args.with_staging:
        results.append(_run("refresh", size, args.encoding))
    for size in args.centre_sizes:
        results.append(_best_centre(size, args))
    target = Path(__file__).with_name("results") / args.out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {target}")


if __name__ == "__main__":
    main()
