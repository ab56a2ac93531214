"""The `aml-registry` command: generate, refresh, rekey, status, export, estimate, queries.

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


def _export(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.export import ExportError, export_registry
    from warehouse.version import code_version

    db = Path(args.warehouse) / "registry.duckdb"
    try:
        result = export_registry(db, Path(args.out), args.format, args.schema or None,
                                 code_version=code_version())
    except (ExportError, OSError, duckdb.Error) as exc:
        print(f"aml-registry export: {exc}", file=sys.stderr)
        return 2
    manifest = result.manifest
    print(f"exported {len(result.rows)} tables and views ({sum(result.rows.values())} rows, "
          f"{manifest['format']}) of refresh {manifest['refresh_id']} to {result.out}")
    return 0


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


#: ``estimate --help``: the columns each method reads (survival_stats.query.METHOD_COLUMNS,
#: kept equal by tests/analysts/test_estimate_help.py) and one example per method.
ESTIMATE_HELP = """\
The query (--sql) is one read-only SELECT over --db; it runs sandboxed: no other file, no
network, no extensions, no settings (COPY, ATTACH, read_csv, INSTALL, SET are refused).
Columns the query must return, by method:
  km       time, status (0 censored, 1 event) [, group]   Kaplan-Meier (+ log-rank by group)
  cif      time, status (0 censored, 1, 2, ... causes) [, group]
                                                          cumulative incidence (+ Gray's test)
  logrank  time, status (0 censored, 1 event), group      log-rank test
  gray     time, status (0 censored, 1, 2, ... causes), group
                                                          Gray's K-sample test
  cox      time, status (0 censored, 1 event), covariates (every other column; text columns
           are categorical, reference = first level alphabetically; a group column too)
Examples (on the published file; analysis.patient_endpoints has one row per transplanted
patient and endpoint: time_days, status and the patient's characteristics):
  aml-registry estimate --db registry.duckdb --method km --times 365,730 --sql \\
    "SELECT time_days AS time, status FROM analysis.patient_endpoints
     WHERE endpoint = 'OS' AND cohort = 'azaven_rr'"
  aml-registry estimate --db registry.duckdb --method cif --times 730 --sql \\
    "SELECT time_days AS time, status FROM analysis.patient_endpoints
     WHERE endpoint = 'CIR' AND cohort = 'azaven_rr'"
  aml-registry estimate --db registry.duckdb --method logrank --sql \\
    "SELECT time_days AS time, status, salvage_setting AS \\"group\\"
     FROM analysis.patient_endpoints WHERE endpoint = 'OS' AND cohort = 'azaven_rr'"
  aml-registry estimate --db registry.duckdb --method gray --sql \\
    "SELECT time_days AS time, status, mrd_pre_hsct AS \\"group\\"
     FROM analysis.patient_endpoints WHERE endpoint = 'CIR' AND cohort = 'azaven_rr'"
  aml-registry estimate --db registry.duckdb --method cox --sql \\
    "SELECT time_days AS time, status, NOT c1_response AS no_c1_response
     FROM analysis.patient_endpoints WHERE endpoint = 'OS' AND cohort = 'azaven_rr'"
"""


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

    acc = sub.add_parser("accept-delivery",
                         help="accept a delivery held because it shrank (data managers)")
    acc.add_argument("--warehouse", required=True)
    acc.add_argument("--centre", required=True, metavar="ID")
    acc.add_argument("--delivery", required=True, metavar="YYYY-MM-DD")
    acc.add_argument("--reason", required=True,
                     help="why the loss is real (recorded with the decision)")
    acc.set_defaults(func=_accept_delivery)

    exp = sub.add_parser(
        "export", help="write the analysts' tables as Parquet or CSV files with their "
        "data dictionary and a manifest",
        description="Export the published registry.duckdb of WAREHOUSE (only what the "
        "analysts' file holds) into the folder OUT: OUT/<schema>/<table>.<format>, "
        "OUT/data_dictionary.csv, OUT/manifest.json (refresh id, code version, row counts). "
        "The folder is built beside OUT and swapped in whole. CSV: UTF-8, header, NA for "
        "missing, ISO dates, booleans 1/0.")
    exp.add_argument("--warehouse", required=True)
    exp.add_argument("--format", required=True, choices=["parquet", "csv"])
    exp.add_argument("--schema", action="append", metavar="SCHEMA",
                     choices=["analysis", "outcomes", "quality", "meta"],
                     help="export only this schema (repeatable; default: all four)")
    exp.add_argument("--out", required=True, metavar="DIR")
    exp.set_defaults(func=_export)

    est = sub.add_parser("estimate", help="run the statistics engine on a DuckDB query",
                         description="Run the statistics engine on the rows of one query.",
                         epilog=ESTIMATE_HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    est.add_argument("--db", required=True, help="DuckDB file, opened read-only")
    est.add_argument("--sql", required=True,
                     help="one SELECT returning the method's columns (see below)")
    est.add_argument("--method", required=True, choices=["km", "cif", "logrank", "gray", "cox"])
    est.add_argument("--times", default=None, help="comma-separated times, e.g. 365,730")
    est.add_argument("--ci", default="log", choices=["log", "log-log", "plain"])
    est.add_argument("--format", default="table", choices=["json", "table"])
    est.set_defaults(func=_estimate)

    from pipelines.queries_cli import add_queries_parser

    add_queries_parser(sub)
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
