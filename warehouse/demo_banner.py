"""The demo banner: a demo warehouse's pages say so at their top (issue 18).

A demo warehouse (``meta.pseudonymisation.is_demo``: synthetic registry, public demo key)
publishes the same pages as a real one; so that a screenshot, a printout or a forwarded
report is never taken for real patients', the outcome report, the quality dashboard and the
data dictionary page open with :data:`DEMO_BANNER_TEXT`. Pure HTML, inline style (each page
has its own stylesheet); :func:`warehouse_is_demo` reads the flag from a database.
"""

from __future__ import annotations

import duckdb

from warehouse.database import query_frame, table_exists

DEMO_BANNER_TEXT = "DEMO: synthetic data, public demo key"
DEMO_BANNER_DETAIL = ("This registry was built from the synthetic registry under the public "
                      "demo pseudonymisation key: no real patient is in it, and its patient "
                      "keys can be reversed by anyone. Do not use it for analysis.")
_STYLE = ("background:#b3261e;color:#fff;padding:10px 16px;margin:0 0 16px;"
          "border-radius:4px;font-family:Helvetica,Arial,sans-serif;font-size:14px")


def demo_banner(is_demo: bool) -> str:
    """The banner's HTML for the top of a page; empty for a real (keyed) warehouse."""
    if not is_demo:
        return ""
    return (f"<div class='demo-banner' role='alert' style='{_STYLE}'>"
            f"<strong style='font-size:18px;letter-spacing:.5px'>{DEMO_BANNER_TEXT}</strong>"
            f"<br>{DEMO_BANNER_DETAIL}</div>")


def demo_title(title: str, is_demo: bool) -> str:
    """A page title that starts with ``DEMO:`` on a demo warehouse (browser tabs, bookmarks)."""
    return f"DEMO: {title}" if is_demo else title


def warehouse_is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database is a demo warehouse's (``meta.pseudonymisation.is_demo``; false
    before the first analysis step wrote it)."""
    if not table_exists(con, "meta.pseudonymisation"):
        return False
    return bool(query_frame(con, "meta/is_demo").iloc[0, 0])
