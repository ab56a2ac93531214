"""`aml-registry queries`: list the data-quality queries, and accept one.

``aml-registry queries --warehouse W [--centre C] [--status open|resolved|accepted|all]
[--format table|json|csv]`` and ``aml-registry queries accept QUERY_ID --warehouse W
--reason TEXT``. Queries are read from the working database (the restricted copy while a
refresh holds it); an acceptance is written to the working database in one transaction.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LISTED_FIELDS = [
    "query_id", "centre_id", "table_name", "source_row", "column_name", "value", "rule",
    "reason", "status", "first_seen_delivery", "last_seen_delivery", "resolved_in_delivery",
    "root_query_id", "accepted_reason", "file", "record_key", "kind", "source", "held_resend",
]
TABLE_FIELDS = ["query_id", "centre_id", "status", "table_name", "source_row", "column_name",
                "value", "rule", "root_query_id"]


def _records(frame) -> list[dict]:
    out = []
    for row in frame[LISTED_FIELDS].to_dict("records"):
        clean = {}
        for k, v in row.items():
            try:
                missing = v is None or v != v
            except (TypeError, ValueError):
                missing = False
            clean[k] = None if missing else (int(v) if k == "source_row" else
                                             bool(v) if k == "held_resend" else v)
        out.append(clean)
    return out


def _list(args: argparse.Namespace) -> int:
    from data_quality.query_store import read_queries
    from warehouse.database import Warehouse

    status = None if args.status == "all" else args.status
    try:
        frame = read_queries(Warehouse(Path(args.warehouse)), args.centre, status)
    except (FileNotFoundError, OSError) as exc:
        print(f"aml-registry queries: {exc}", file=sys.stderr)
        return 2
    for col in LISTED_FIELDS:
        if col not in frame.columns:
            frame[col] = None
    records = _records(frame)
    if args.format == "json":
        print(json.dumps({"queries": records}, ensure_ascii=False, default=str))
    elif args.format == "csv":
        frame[LISTED_FIELDS].to_csv(sys.stdout, index=False)
    else:
        print(_table(records))
    return 0


def _table(records: list[dict]) -> str:
    if not records:
        return "no queries"
    rows = [[("" if r[f] is None else str(r[f]))[:40] for f in TABLE_FIELDS] for r in records]
    widths = [max(len(f), *(len(r[i]) for r in rows)) for i, f in enumerate(TABLE_FIELDS)]
    lines = ["  ".join(f.ljust(w) for f, w in zip(TABLE_FIELDS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    open_roots = sum(1 for r in records if r["status"] == "open" and not r["root_query_id"])
    lines.append(f"{len(records)} queries; {open_roots} open problems (knock-ons not counted)")
    return "\n".join(lines)


def _accept(args: argparse.Namespace) -> int:
    import duckdb

    from data_quality.query_store import QueryNotFoundError, accept_query
    from warehouse.database import Warehouse

    try:
        row = accept_query(Warehouse(Path(args.warehouse)), args.query_id, args.reason)
    except (QueryNotFoundError, ValueError) as exc:
        print(f"aml-registry queries accept: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        print(f"aml-registry queries accept: the working database is busy (a refresh is "
              f"running?): {exc}", file=sys.stderr)
        return 1
    print(f"query {row['query_id']} ({row['centre_id']}, {row['table_name']} row "
          f"{row['source_row']}, {row['rule']}): {row['status']}: {row['accepted_reason']}")
    return 0


def add_queries_parser(sub: argparse._SubParsersAction) -> None:
    """Register `queries` (and `queries accept`) on the main parser's subcommands."""
    q = sub.add_parser("queries", help="data-quality queries back to the centres")
    q.add_argument("--warehouse", required=False)
    q.add_argument("--centre", default=None)
    q.add_argument("--status", default="open", choices=["open", "resolved", "accepted", "all"])
    q.add_argument("--format", default="table", choices=["table", "json", "csv"])
    q.set_defaults(func=_list_or_usage)
    qsub = q.add_subparsers(dest="queries_command")
    acc = qsub.add_parser("accept", help="accept a query's value (a data manager confirmed it)")
    acc.add_argument("query_id")
    acc.add_argument("--warehouse", required=True, dest="accept_warehouse")
    acc.add_argument("--reason", required=True)
    acc.set_defaults(func=_accept_args)


def _list_or_usage(args: argparse.Namespace) -> int:
    if not args.warehouse:
        print("aml-registry queries: --warehouse is required", file=sys.stderr)
        return 2
    return _list(args)


def _accept_args(args: argparse.Namespace) -> int:
    args.warehouse = args.accept_warehouse
    return _accept(args)
