"""The quality dashboard: one self-contained HTML page beside the outcome report.

Source: the OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021): checks in three
kinds (conformance, completeness, plausibility), each with a threshold and the share of
rows violating it, per site. Here per centre, with the centre's open queries (knock-ons
not counted), links from every figure to the centre's checks and queries, and trends
across deliveries (quarantined share) and refreshes (open queries). Pure; no Dagster.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from data_quality.expectations import KINDS
from data_quality.html_style import esc, page
from data_quality.workbook import HELD_RESEND_LABEL, is_held, root_order
from warehouse.demo_banner import demo_banner, demo_title

MAX_LISTED_QUERIES = 300


def _anchor(kind: str, centre: str) -> str:
    return f"{kind}-{centre}"


def _status(failed: int, total: int) -> str:
    if total == 0:
        return "<span class='na'>n/a</span>"
    return (f"<span class='pass'>pass</span> {total}/{total}" if failed == 0
            else f"<span class='fail'>fail</span> {failed} of {total}")


def _bar(share: float) -> str:
    width = max(1, round(min(share, 1.0) * 120)) if share > 0 else 0
    return f"<span class='bar' style='width:{width}px'></span> " if width else ""


def overview(centres: list[str], checks: pd.DataFrame, queries: pd.DataFrame,
             workbooks: Mapping[str, str]) -> str:
    """Centres x kinds: checks failed of evaluated, open queries, links."""
    head = "".join(f"<th>{k}</th>" for k in KINDS)
    rows = []
    for c in centres:
        mine = checks[checks["centre_id"].eq(c)]
        cells = []
        for k in KINDS:
            kc = mine[mine["kind"].eq(k)]
            failed = int(kc["success"].eq(False).sum())
            cells.append(f"<td><a href='#{_anchor('checks', c)}'>"
                         f"{_status(failed, len(kc))}</a></td>")
        q = queries[queries["centre_id"].eq(c)]
        is_open = q["status"].eq("open")
        roots = int((is_open & q["root_query_id"].isna()).sum())
        knock = int((is_open & q["root_query_id"].notna()).sum())
        wb = workbooks.get(c)
        rows.append(
            f"<tr><td><a href='#{_anchor('checks', c)}'>{esc(c)}</a></td>{''.join(cells)}"
            f"<td class='num'><a href='#{_anchor('queries', c)}'>{roots}</a></td>"
            f"<td class='num'>{knock}</td>"
            f"<td class='num'>{int(q['status'].eq('accepted').sum())}</td>"
            f"<td class='num'>{int(q['status'].eq('resolved').sum())}</td>"
            f"<td>{_workbook_link(wb)}</td></tr>")
    return ("<table class='plain'><thead><tr><th>centre</th>" + head
            + "<th>open queries</th><th>knock-ons</th><th>accepted</th><th>resolved</th>"
            "<th>to the centre</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _workbook_link(href: str | None) -> str:
    return f"<a href='{esc(href)}'>workbook</a>" if href else ""


def _open_for(queries: pd.DataFrame, table: str, column: str | None) -> int:
    q = queries[queries["status"].eq("open") & queries["root_query_id"].isna()
                & queries["table_name"].eq(table)]
    if column:
        cols = set(str(column).replace(">", ",").split(","))
        q = q[q["column_name"].astype(str).apply(lambda c: bool(cols & set(c.split(","))))]
    return len(q)


def centre_checks(centre: str, checks: pd.DataFrame, queries: pd.DataFrame) -> str:
    """Every check of one centre: kind, threshold, share violated, pass/fail, open queries."""
    mine = checks[checks["centre_id"].eq(centre)].sort_values(
        ["success", "kind", "suite", "check_name", "column_name"], kind="stable")
    q = queries[queries["centre_id"].eq(centre)]
    rows = []
    link = f"<a href='#{_anchor('queries', centre)}'>{{n}}</a>"
    for r in mine.itertuples(index=False):
        allowed = "" if pd.isna(r.threshold) else f"{1 - r.threshold:.0%}"
        share = 0.0 if pd.isna(r.share_violated) else float(r.share_violated)
        n_open = _open_for(q, str(r.table_name), r.column_name)
        verdict = "<span class='pass'>pass</span>" if r.success else \
            "<span class='fail'>fail</span>"
        rows.append(
            f"<tr><td>{esc(r.kind)}</td><td>{esc(r.suite)}</td><td>{esc(r.check_name)}</td>"
            f"<td>{esc(r.column_name)}</td><td>{verdict}</td><td class='num'>{allowed}</td>"
            f"<td class='num'>{_bar(share)}{share:.1%}</td>"
            f"<td class='num'>{esc(r.unexpected_count)} / {esc(r.element_count)}</td>"
            f"<td class='num'>{link if n_open else '0'}</td></tr>".replace(
                "{n}", str(n_open)))
    return ("<table class='plain'><thead><tr><th>kind</th><th>table</th><th>check</th>"
            "<th>column</th><th>result</th><th>threshold (share allowed)</th>"
            "<th>share violated</th><th>rows violating</th><th>open queries</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table>")


def centre_queries(centre: str, queries: pd.DataFrame) -> str:
    """The centre's open queries, root causes first, knock-ons under their root."""
    q = queries[queries["centre_id"].eq(centre) & queries["status"].eq("open")]
    if q.empty:
        return "<p>No open query.</p>"
    roots = root_order(q[q["root_query_id"].isna()
                         | ~q["root_query_id"].isin(set(q["query_id"]))])
    knock = q[~q.index.isin(roots.index)]
    by_root = {k: g for k, g in knock.groupby("root_query_id")}
    rows, listed = [], 0
    for r in roots.itertuples(index=False):
        if listed >= MAX_LISTED_QUERIES:
            break
        rows.append(_query_row(r, False))
        listed += 1
        for k in by_root.get(r.query_id, pd.DataFrame()).itertuples(index=False):
            rows.append(_query_row(k, True))
    more = len(roots) - listed
    return ("<table class='plain'><thead><tr><th>query</th><th>table</th><th>file</th>"
            "<th>row</th><th>column</th><th>value</th><th>rule</th><th>problem</th>"
            "<th>first seen</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            + (f"<p class='meta'>{more} more in the centre's workbook.</p>" if more > 0
               else ""))


def _query_row(r: object, knock_on: bool) -> str:
    cls = " class='knock'" if knock_on else ""
    prefix = "&#8627; knock-on: " if knock_on else ""
    if is_held(r):
        prefix += esc(HELD_RESEND_LABEL)
    return (f"<tr{cls} id='q-{esc(r.query_id)}'><td>{esc(r.query_id)}</td>"
            f"<td>{esc(r.table_name)}</td><td>{esc(r.file)}</td><td>{esc(r.source_row)}</td>"
            f"<td>{esc(r.column_name)}</td><td>{esc(r.value)}</td><td>{esc(r.rule)}</td>"
            f"<td>{prefix}{esc(r.reason)}</td><td>{esc(r.first_seen_delivery)}</td></tr>")


def trends(deliveries: pd.DataFrame, history: pd.DataFrame) -> str:
    """Quarantined share per centre and delivery; open queries per centre and refresh."""
    parts = ["<h3>Quarantined rows per delivery</h3>"]
    if deliveries.empty:
        parts.append("<p>No staged delivery.</p>")
    else:
        rows = []
        for r in deliveries.itertuples(index=False):
            share = r.quarantined_rows / r.raw_rows if r.raw_rows else 0.0
            rows.append(f"<tr><td>{esc(r.centre_id)}</td><td>{esc(r.delivery)}</td>"
                        f"<td class='num'>{int(r.raw_rows)}</td>"
                        f"<td class='num'>{int(r.quarantined_rows)}</td>"
                        f"<td class='num'>{_bar(share * 5)}{share:.1%}</td></tr>")
        parts.append("<table class='plain'><thead><tr><th>centre</th><th>delivery</th>"
                     "<th>rows delivered</th><th>quarantined</th><th>share</th></tr></thead>"
                     "<tbody>" + "".join(rows) + "</tbody></table>")
    parts.append("<h3>Open queries per refresh</h3>")
    if history.empty:
        parts.append("<p>No refresh recorded yet.</p>")
    else:
        h = history.sort_values(["centre_id", "recorded_at"])
        rows = []
        for centre, g in h.groupby("centre_id", sort=True):
            series = " &rarr; ".join(f"{int(v)}" for v in g["open_queries"].tail(12))
            last = g.iloc[-1]
            rows.append(f"<tr><td><a href='#{_anchor('queries', str(centre))}'>{esc(centre)}"
                        f"</a></td><td>{esc(last['current_delivery'])}</td><td>{series}</td>"
                        f"<td class='num'>{int(last['resolved'])}</td>"
                        f"<td class='num'>{int(last['accepted'])}</td></tr>")
        parts.append("<table class='plain'><thead><tr><th>centre</th><th>current delivery</th>"
                     "<th>open queries, oldest to newest refresh</th><th>resolved</th>"
                     "<th>accepted</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
    return "".join(parts)


def render_dashboard(path: Path, refresh_id: str, checks: pd.DataFrame,
                     queries: pd.DataFrame, deliveries: pd.DataFrame, history: pd.DataFrame,
                     workbooks: Mapping[str, str], data_docs_href: str,
                     is_demo: bool = False) -> Path:
    """Write the dashboard page (atomically) and return its path.

    ``checks``: per-centre expectation results (``DataDocsSummary.centre_results``);
    ``workbooks``: centre -> link to its query workbook, relative to the page;
    ``is_demo``: a demo warehouse's page opens with the demo banner.
    """
    centres = sorted(set(checks["centre_id"].dropna().astype(str))
                     | set(queries["centre_id"].dropna().astype(str)))
    sections = []
    for c in centres:
        sections.append(
            f"<h2 id='{_anchor('checks', c)}'>Centre {esc(c)}: checks</h2>"
            + centre_checks(c, checks, queries)
            + f"<h3 id='{_anchor('queries', c)}'>Centre {esc(c)}: open queries</h3>"
            + centre_queries(c, queries))
    body = (
        demo_banner(is_demo) + "<h1>AML registry: data quality dashboard</h1>"
        f"<p class='meta'>Refresh <b>{esc(refresh_id)}</b>. Checks in the three kinds of the "
        "OHDSI Data Quality Dashboard (Blacketer et al., JAMIA 2021) on each centre's current "
        "delivery before quarantine: a check passes when the share of rows violating it is "
        "within its threshold. Open queries count root problems: knock-ons (rows rejected "
        "because their patient row was) are listed under their root. "
        f"<a href='{esc(data_docs_href)}'>Data docs</a>.</p>"
        "<h2>Overview</h2>" + overview(centres, checks, queries, workbooks)
        + "<h2>Trends across deliveries</h2>" + trends(deliveries, history)
        + "".join(sections))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(page(demo_title(f"Data quality {refresh_id}", is_demo), body), encoding="utf-8")
    partial.replace(path)
    return path
