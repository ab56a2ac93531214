"""meta.data_dictionary as one searchable, self-contained HTML page beside the report.

Source: issue 19 ("The data dictionary as a page"); the rows are the published file's
meta.data_dictionary (sql/publish/data_dictionary.sql), so the page lists exactly what an
analyst can query. The search box filters rows on every cell (case-insensitive).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.database import query_frame
from warehouse.demo_banner import demo_banner, demo_title, warehouse_is_demo

_STYLE = """body{font-family:system-ui,sans-serif;margin:24px;max-width:1400px}
input#search{font-size:16px;padding:6px;width:420px}table{border-collapse:collapse;
margin-top:12px;font-size:13px}th,td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{position:sticky;top:0;background:#f4f4f4}
td.table{white-space:nowrap}.meta{color:#555;font-size:12px}"""

_SCRIPT = """const box = document.getElementById('search');
const rows = Array.from(document.querySelectorAll('#dictionary tbody tr'));
const count = document.getElementById('count');
function filter() {
  const words = box.value.toLowerCase().split(/\\s+/).filter(w => w);
  let shown = 0;
  for (const row of rows) {
    const text = row.textContent.toLowerCase();
    const match = words.every(w => text.includes(w));
    row.hidden = !match;
    if (match) shown++;
  }
  count.textContent = shown + ' of ' + rows.length + ' columns';
}
box.addEventListener('input', filter);
filter();"""


def render_data_dictionary(rows: pd.DataFrame, refresh_id: str | None,
                           is_demo: bool = False) -> str:
    """The page: a search box (all words must occur in a row) over one row per column; a
    demo warehouse's page opens with the demo banner."""
    body = []
    for r in rows.itertuples(index=False):
        cells = [f"<td class='table' title='{html.escape(str(r.table_description or ''))}'>"
                 f"{html.escape(f'{r.schema_name}.{r.table_name}')}</td>",
                 f"<td>{html.escape(str(r.table_kind))}</td>",
                 f"<td><code>{html.escape(str(r.column_name))}</code></td>",
                 f"<td>{html.escape(str(r.data_type))}</td>",
                 f"<td>{html.escape(str(r.column_description or ''))}</td>",
                 f"<td>{html.escape(str(r.table_description or ''))}</td>"]
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("table", "kind", "column", "type",
                                               "description", "table description"))
    refresh = html.escape(str(refresh_id)) if refresh_id else "unknown"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{demo_title('Data dictionary', is_demo)} (refresh {refresh})</title>"
        f"<style>{_STYLE}</style></head>"
        f"<body>{demo_banner(is_demo)}<h1>Data dictionary of registry.duckdb</h1><p class='meta'>Refresh "
        f"<b>{refresh}</b>: every table, view and column of the analysts' file "
        "(<code>meta.data_dictionary</code>). <a href='report.html'>Outcome report</a>.</p>"
        "<label for='search'>Search </label><input id='search' type='search' "
        "placeholder='table, column or words of a description' autofocus> "
        "<span id='count'></span>"
        f"<table id='dictionary'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
        f"</tbody></table><script>{_SCRIPT}</script></body></html>")


def write_data_dictionary_page(db_path: Path, out_path: Path) -> Path:
    """Render ``db_path``'s meta.data_dictionary to ``out_path`` (written aside, then replaced)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = query_frame(con, "publish/data_dictionary_page")
        refresh = query_frame(con, "meta/last_refresh")
        is_demo = warehouse_is_demo(con)
    finally:
        con.close()
    refresh_id = str(refresh.iloc[0]["refresh_id"]) if len(refresh) else None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    building = out_path.with_name(f".{out_path.name}.building")
    building.write_text(render_data_dictionary(rows, refresh_id, is_demo), encoding="utf-8")
    os.replace(building, out_path)
    return out_path
