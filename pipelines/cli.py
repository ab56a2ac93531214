"""The `aml-registry` command: generate, refresh, rekey, status, estimate.

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
        "Only an explicit demo refresh (`aml-registry refresh --demo`, or AML_REGISTRY_DEMO=1) "
        "uses the public demo pseudonymisation key; this file alone never does.\n",
        encoding="utf-8")
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
    from warehouse.pseudonym import PseudonymKeyError, demo_requested

    try:
        outcome = run_refresh(args.landing, args.warehouse, args.centre or None,
                              demo=args.demo or demo_requested())
    except (PseudonymKeyError, FileNotFoundError, ValueError) as exc:
        print(f"aml-registry refresh: {exc}", file=sys.stderr)
        return 2
    for centre, problem in outcome.failures.items():
        print(f"centre {centre} failed: {problem}", file=sys.stderr)
    if outcome.published:
        print(f"published {outcome.published_path}")
    else:
        print(f"aml-registry refresh: {outcome.message}", file=sys.stderr)
    return outcome.exit_code


def _rekey(args: argparse.Namespace) -> int:
    """Replace the warehouse's pseudonymisation key: old key from
    ``AML_REGISTRY_OLD_PSEUDONYM_KEY``, new from ``AML_REGISTRY_PSEUDONYM_KEY``."""
    import os

    from warehouse.database import Warehouse
    from warehouse.keyring import rekey
    from warehouse.permissions import restricted_umask, secure_warehouse
    from warehouse.pseudonym import (
        OLD_PSEUDONYM_KEY_ENV,
        PSEUDONYM_KEY_ENV,
        PseudonymKeyError,
        secret_from_text,
    )

    wh = Warehouse(args.warehouse)
    try:
        missing = [v for v in (OLD_PSEUDONYM_KEY_ENV, PSEUDONYM_KEY_ENV) if not os.environ.get(v)]
        if missing:
            raise PseudonymKeyError(f"{' and '.join(missing)} not set: the old key goes in "
                                    f"{OLD_PSEUDONYM_KEY_ENV}, the new one in {PSEUDONYM_KEY_ENV}")
        old = secret_from_text(os.environ[OLD_PSEUDONYM_KEY_ENV], OLD_PSEUDONYM_KEY_ENV)
        new = secret_from_text(os.environ[PSEUDONYM_KEY_ENV], PSEUDONYM_KEY_ENV)
        if not wh.working_path.exists():
            raise PseudonymKeyError(f"no working database at {wh.working_path}: nothing to "
                                    "re-key")
        with restricted_umask() as policy, wh.connect() as con:
            result = rekey(con, old, new)
        secure_warehouse(wh.root, policy)
    except (PseudonymKeyError, ValueError) as exc:
        print(f"aml-registry rekey: {exc}", file=sys.stderr)
        return 2
    print(f"re-keyed {result.patients} patients ({result.rekey_id}); the old-to-new crosswalk "
          "is in pseudonymisation.key_crosswalk (restricted database after the next refresh)")
    if not args.landing:
        print("the next `aml-registry refresh` (with the new key) publishes the new patient keys")
        return 0
    return _refresh(argparse.Namespace(landing=args.landing, warehouse=args.warehouse,
                                       centre=None, demo=False))


def _status(args: argparse.Namespace) -> int:
    from pipelines.status import print_status

    return print_status(Path(args.warehouse))


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
    ref.add_argument("--demo", action="store_true",
                     help="use the public demo key (synthetic landing area only; also "
                          "AML_REGISTRY_DEMO=1); never inferred from the landing area")
    ref.set_defaults(func=_refresh)

    rk = sub.add_parser("rekey", help="change the pseudonymisation key on purpose (old key in "
                                      "AML_REGISTRY_OLD_PSEUDONYM_KEY, new in "
                                      "AML_REGISTRY_PSEUDONYM_KEY)")
    rk.add_argument("--warehouse", required=True)
    rk.add_argument("--landing", default=None,
                    help="also refresh from this landing area, publishing the new keys at once")
    rk.set_defaults(func=_rekey)

    st = sub.add_parser("status", help="summary of the last refresh")
    st.add_argument("--warehouse", required=True)
    st.set_defaults(func=_status)

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
