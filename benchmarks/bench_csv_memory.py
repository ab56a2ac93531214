"""Peak memory of extracting and staging one large CSV, by file size (issue 18: a 200 MB CSV
refreshed with 13 GB peak memory; streaming must keep memory within a small multiple of a
chunk). Each size runs in a fresh process; the files are generated in a temporary folder.

    .venv/bin/python benchmarks/bench_csv_memory.py --sizes-mb 20 60
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "patient_id,gene,detected,variant,vaf\n"


def write_mutations_csv(path: Path, megabytes: float) -> int:
    """A mutations.csv of about ``megabytes`` MB; returns its rows."""
    target = int(megabytes * 1024 * 1024)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        written = len(HEADER)
        while written < target:
            line = f"P{rows // 20:07d},G{rows % 20:02d},true,p.R{rows % 997}H,0.{rows % 89:02d}\n"
            fh.write(line)
            written += len(line)
            rows += 1
    return rows


def measure_one(megabytes: float) -> dict:
    """Extract and stage one centre whose delivery is one large mutations.csv (this process)."""
    import duckdb  # noqa: F401  (imported before measuring: its own memory is not the file's)

    from extraction.load import extract_centre
    from extraction.stage import stage_centre
    from schemas.dialect import load_dialect
    from warehouse.database import Warehouse

    with tempfile.TemporaryDirectory() as tmp:
        centre = Path(tmp) / "landing" / "BIG"
        delivery = centre / "2026-11-16"
        delivery.mkdir(parents=True)
        (centre / "centre.yaml").write_text("centre_id: BIG\nname: BIG\ncountry: FR\n")
        rows = write_mutations_csv(delivery / "mutations.csv", megabytes)
        (delivery / "patients.csv").write_text("patient_id,sex,birth_date,diagnosis_date\n")
        (delivery / "_SUCCESS").touch()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        dialect = load_dialect(centre / "centre.yaml")
        with Warehouse(Path(tmp) / "wh").connect() as con:
            extract_centre(con, centre, dialect)
            stage_centre(con, dialect)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"file_mb": megabytes, "rows": rows, "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak / 1024), "rss_before_mb": round(before / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[20.0])
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure_one(args.one)))
        return
    results = []
    for size in args.sizes_mb:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    target = Path(__file__).with_name("results") / "csv_memory.json"
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
