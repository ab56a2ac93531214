"""`aml-registry status`: a summary of the last refresh, per centre, from the published file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.database import Warehouse, query_frame, table_exists


def print_status(warehouse_root: Path) -> int:
    """Print the last published refresh (per centre: delivered, loaded, quarantined, checks)."""
    wh = Warehouse(warehouse_root)
    if not wh.published_path.exists():
        print(f"no published database at {wh.published_path}: run `aml-registry refresh` first")
        return 1
    con = duckdb.connect(str(wh.published_path), read_only=True)
    try:
        last = query_frame(con, "meta/last_refresh")
        if last.empty:
            print("the published database records no refresh")
            return 1
        r = last.iloc[0]
        print(f"database:  {wh.published_path}")
        print(f"refresh:   {r.refresh_id}  status={r.status}  published={bool(r.published)}")
        print(f"started:   {r.started_at}  finished: {r.finished_at}")
        print(f"code:      {r.code_version}")
        print(f"message:   {r.message}")
        centres = query_frame(con, "meta/refresh_centres", [r.refresh_id])
        if len(centres):
            print()
            print(f"{'centre':<8}{'status':<11}{'delivery':<12}{'delivered':>10}{'staged':>9}"
                  f"{'quarantined':>13}{'checks failed':>15}")
            for c in centres.itertuples():
                print(f"{c.centre_id:<8}{c.status:<11}{(c.current_delivery or '-'):<12}"
                      f"{_n(c.rows_delivered):>10}{_n(c.rows_staged):>9}"
                      f"{_n(c.rows_quarantined):>13}{_n(c.checks_failed):>15}")
                if c.status in ("failed", "held", "missing") or "deleted at the source" in (
                        c.message or ""):
                    print(f"        {c.message}")
        if table_exists(con, "meta.delivery_decisions"):
            _print_section("deliveries held by the shrink guard (accept with "
                           "`aml-registry accept-delivery`):",
                           [f"{h.centre_id} {h.delivery}: {h.reason}"
                            for h in query_frame(con, "meta/pending_decisions").itertuples()])
        if table_exists(con, "meta.delivery_problems"):
            _print_section("deliveries that could not be loaded (history, newest first):",
                           [f"{p.centre_id} {p.entry} ({p.first_seen_at:%Y-%m-%d}): "
                            f"file {p.file}: {p.problem}" for p in query_frame(
                                con, "meta/recent_delivery_problems").itertuples()])
        _print_section("failed checks:", [
            f"[{f.severity}] {f.asset}.{f.check_name} {f.partition or ''}: {f.description}"
            for f in query_frame(con, "meta/failed_checks", [r.refresh_id]).itertuples()])
    finally:
        con.close()
    return 0


def _print_section(title: str, lines: list[str]) -> None:
    """A blank line, the title and the lines indented; nothing when there are no lines."""
    if lines:
        print()
        print(title)
        for line in lines:
            print(f"  {line}")


def _n(value: object) -> str:
    try:
        return str(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "-"
