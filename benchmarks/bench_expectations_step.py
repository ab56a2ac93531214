"""Benchmark: the registry-wide expectations step's work on an existing warehouse.

Times what ``quality_expectation_results`` does, outside Dagster: reading each centre's
current delivery typed before quarantine (``assets.quality._tables_before_quarantine``) and
validating it with great-expectations into data docs (``build_data_docs``), in this process;
great-expectations' import is timed apart (paid once per process). Run it with main's tree
and a branch's on ``PYTHONPATH`` in turn, on the same warehouse (e.g. the one
``bench_refresh.py`` leaves), to compare the step alone (issue 16). ``--results`` writes the
results frames (without the run name) as pickles, to check two trees give the same ones.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_expectations_step.py \
        --landing /tmp/b/landing-20000 --warehouse /tmp/b/warehouse-20000
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

# appended, so that the tree on PYTHONPATH (main's, or a branch's) is the one measured
sys.path.append(str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", required=True)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--results", help="path prefix for the results pickles")
    args = parser.parse_args()
    started = time.perf_counter()
    import great_expectations  # noqa: F401, PLC0415 (its import is timed apart)
    gx_import = time.perf_counter() - started

    from assets.quality import _tables_before_quarantine  # noqa: PLC0415
    from assets.resources import LandingArea  # noqa: PLC0415
    from data_quality import build_data_docs  # noqa: PLC0415
    from warehouse.database import Warehouse  # noqa: PLC0415

    started = time.perf_counter()
    with Warehouse(args.warehouse).connect() as con:
        tables = _tables_before_quarantine(con, LandingArea(path=args.landing),
                                           logging.getLogger("bench"))
    read = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as out:
        summary = build_data_docs(tables, Path(out), run_name="bench")
    docs = time.perf_counter() - started
    print(json.dumps({
        "gx_import_seconds": round(gx_import, 2), "read_seconds": round(read, 2),
        "docs_seconds": round(docs, 2),
        "checkpoint_seconds": round(sum(s.seconds for s in summary.suites.values()), 2),
        "step_seconds": round(read + docs, 2),
        "rows": {name: len(frame) for name, frame in tables.items()}}))
    if args.results:
        summary.results.drop(columns=["run_name"]).to_pickle(f"{args.results}.results.pkl")
        summary.centre_results.drop(columns=["run_name"]).to_pickle(
            f"{args.results}.centre.pkl")


if __name__ == "__main__":
    main()
