"""The `aml-registry` command: generate, refresh, status, estimate.

Interfaces are stable (../shared/spec/architecture.md, "Interfaces"): scripts and schedules
depend on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from synthetic_registry import generate_registry
    from warehouse.pseudonym import DEMO_MARKER

    summary = generate_registry(Path(args.landing), seed=args.seed, patients=args.patients,
                                defect_rate=args.defect_rate)
    (Path(args.landing) / DEMO_MARKER).write_text(
        "This landing area was written by `aml-registry generate`: synthetic patients only.\n"
        "A refresh of it may use the labelled demo pseudonymisation key.\n", encoding="utf-8")
    rows = sum(summary.rows.values())
    n_deliveries = sum(len(d) for d in summary.deliveries.values())
    print(f"wrote {summary.patients} synthetic patients in {len(summary.centres)} centres "
          f"({n_deliveries} deliveries, {rows} rows in the newest deliveries) to "
          f"{summary.landing} (seed {summary.seed})")
    if summary.manifest is not None:
        print(f"injected {summary.defects} defects, listed in {summary.manifest}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from pipelines.refresh import run_refresh
    from warehouse.pseudonym import MissingPseudonymKeyError

    try:
        outcome = run_refresh(args.landing, args.warehouse, args.centre or None)
    except (MissingPseudonymKeyError, FileNotFoundError, ValueError) as exc:
        print(f"aml-registry refresh: {exc}", file=sys.stderr)
        return 2
    for centre, problem in outcome.failures.items():
        print(f"centre {centre} failed: {problem}", file=sys.stderr)
    if outcome.published:
        print(f"published {outcome.published_path}")
    else:
        print(f"aml-registry refresh: {outcome.message}", file=sys.stderr)
    return outcome.exit_code


def _status(args: argparse.Namespace) -> int:
    from pipelines.status import print_status

    return print_status(Path(args.warehouse))


def _accept_delivery(args: argparse.Namespace) -> int:
    """Accept a delivery the shrink guard held: recorded with who, when, why and the command."""
    import getpass
    import shlex

    import duckdb

    from extraction.stage import accept_delivery
    from warehouse.database import Warehouse

    wh = Warehouse(Path(args.warehouse))
    if not wh.working_path.exists():
        print(f"aml-registry accept-delivery: no working database at {wh.working_path}",
              file=sys.stderr)
        return 2
    command = shlex.join(["aml-registry", *sys.argv[1:]]) if sys.argv[1:] else (
        f"aml-registry accept-delivery --centre {args.centre} --delivery {args.delivery}")
    try:
        with wh.connect() as con:
            held = accept_delivery(con, args.centre, args.delivery, args.reason,
                                   getpass.getuser(), command)
    except (ValueError, duckdb.IOException) as exc:
        print(f"aml-registry accept-delivery: {exc}", file=sys.stderr)
        return 2
    print(f"accepted centre {args.centre}, delivery {args.delivery} (was held: {held}); "
          "the next refresh makes it the centre's current delivery")
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from survival_stats.query import estimate_from_duckdb, format_table

    times = [float(t) for t in args.times.split(",")] if args.times else None
    try:
        result = estimate_from_duckdb(args.db, args.sql, args.method, times, args.ci)
    except Exception as exc:  # report any query/engine error as a one-line message
        print(f"aml-registry estimate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(result, allow_nan=False))
    else:
        print(format_table(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of the architecture spec."""
    parser = argparse.ArgumentParser(prog="aml-registry", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic multicentre ProMISE landing area")
    gen.add_argument("landing")
    gen.add_argument("--seed", type=int, default=None)
    gen.add_argument("--patients", type=int, default=None,
                     help="scale mode: total patients (default: the study-sized registry)")
    gen.add_argument("--defect-rate", type=float, default=0.0,
                     help="share of rows with an injected, manifested defect")
    gen.set_defaults(func=_generate)

    ref = sub.add_parser("refresh", help="extract, stage, harmonise, analyse and publish")
    ref.add_argument("--landing", required=True)
    ref.add_argument("--warehouse", required=True)
    ref.add_argument("--centre", action="append", metavar="ID",
                     help="refresh only these centres (repeatable); others keep stored data")
    ref.set_defaults(func=_refresh)

    st = sub.add_parser("status", help="summary of the last refresh")
    st.add_argument("--warehouse", required=True)
    st.set_defaults(func=_status)

    acc = sub.add_parser("accept-delivery",
                         help="accept a delivery held because it shrank (data managers)")
    acc.add_argument("--warehouse", required=True)
    acc.add_argument("--centre", required=True, metavar="ID")
    acc.add_argument("--delivery", required=True, metavar="YYYY-MM-DD")
    acc.add_argument("--reason", required=True,
                     help="why the loss is real (recorded with the decision)")
    acc.set_defaults(func=_accept_delivery)

    est = sub.add_parser("estimate", help="run the statistics engine on a DuckDB query")
    est.add_argument("--db", required=True)
    est.add_argument("--sql", required=True)
    est.add_argument("--method", required=True, choices=["km", "cif", "logrank", "gray", "cox"])
    est.add_argument("--times", default=None, help="comma-separated times, e.g. 365,730")
    est.add_argument("--ci", default="log", choices=["log", "log-log", "plain"])
    est.add_argument("--format", default="table", choices=["json", "table"])
    est.set_defaults(func=_estimate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `aml-registry` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", "unset") is None:
        from synthetic_registry import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
