"""Benchmark the synthetic registry generator in scale mode.

Usage: .venv/bin/python benchmarks/bench_generator.py --patients 1000000 \
           --out benchmarks/results/generator.json [--landing DIR] [--keep]
Prints patients/s, rows written, bytes written and peak RSS (resource.getrusage).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_registry import DEFAULT_SEED, generate_registry  # noqa: E402
from synthetic_registry.generate import CHUNK_PATIENTS  # noqa: E402


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--defect-rate", type=float, default=0.0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/generator.json"))
    ap.add_argument("--landing", type=Path, default=None,
                    help="where to write (default: a temporary folder, removed afterwards)")
    ap.add_argument("--keep", action="store_true", help="keep the generated landing area")
    args = ap.parse_args(argv)
    tmp = None
    landing = args.landing
    if landing is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_generator_"))
        landing = tmp / "landing"
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    summary = generate_registry(landing, seed=args.seed, patients=args.patients,
                                defect_rate=args.defect_rate)
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    rows = sum(summary.rows.values())
    size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())
    result = {
        "patients": summary.patients,
        "seed": args.seed,
        "chunk_patients": CHUNK_PATIENTS,
        "seconds": round(elapsed, 2),
        "patients_per_second": round(summary.patients / elapsed, 1),
        "cpu_seconds": round(cpu, 2),
        "patients_per_cpu_second": round(summary.patients / cpu, 1),
        "rows_written": rows,
        "rows_per_second": round(rows / elapsed, 1),
        "bytes_written": size,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_mb_before_generation": round(rss_before, 1),
        "rows_per_table": {t: sum(n for (_, tt), n in summary.rows.items() if tt == t)
                           for t in sorted({t for _, t in summary.rows})},
        "defects": summary.defects,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    for k in ("patients", "seconds", "patients_per_second", "cpu_seconds",
              "patients_per_cpu_second", "rows_written", "bytes_written", "peak_rss_mb"):
        print(f"{k:>22}: {result[k]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
