"""The small stylesheet of the data-quality pages (dashboard, data-docs index, offline GX pages).

Kept here, inline in every page, so the pages need nothing from the internet and do not
depend on the outcome report's module (same look: Helvetica, plain bordered tables).
"""

from __future__ import annotations

import html

CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}
h3{font-size:15px;margin-top:20px}
table.plain{border-collapse:collapse;font-size:12px;margin:8px 0}
table.plain td,table.plain th{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
table.plain th{background:#f2f5f8;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1b7f3b;font-weight:bold}.fail{color:#b3261e;font-weight:bold}
.na{color:#777}.meta{font-size:12px;color:#555}footer{font-size:12px;color:#555;margin-top:40px}
a{color:#1a4f8b}.bar{display:inline-block;height:9px;background:#b3261e;vertical-align:middle}
.knock{color:#666;font-style:italic}"""

#: makes great-expectations' Bootstrap pages readable without Bootstrap, jQuery or fonts
GX_OFFLINE_CSS = CSS + """
body{max-width:none}footer,.navbar,.nav-tabs,.ge-index-page-table-validation-links-item,
button,.btn{display:none}
.tab-pane,.collapse,.fade{display:block!important;opacity:1!important}
.row{display:flex;flex-wrap:wrap}.col-12,.col-md-10,.col-lg-10{flex:1 1 100%}
.col-lg-2,.col-md-2{flex:0 0 16%}.col-md-6,.col-lg-6{flex:1 1 48%}
table,.table{border-collapse:collapse;font-size:12px;margin:6px 0}
.table td,.table th,table td,table th{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
.card{border:1px solid #ddd;margin:8px 0;padding:6px}.card-header{font-weight:bold}
.alert{padding:6px 10px;border:1px solid #ccc;background:#f6f8fa;margin:6px 0}
.badge{display:inline-block;padding:1px 5px;border-radius:3px;background:#eee;font-size:11px}
.text-success{color:#1b7f3b}.text-danger{color:#b3261e}.text-info{color:#1a4f8b}
.fas{font-style:normal}.fa-check-circle::before{content:"\\2714"}
.fa-times::before,.fa-times-circle::before{content:"\\2716"}
.fa-exclamation-triangle::before{content:"\\26A0"}.fa-comment::before{content:"\\1F5E8"}
.gx-offline-nav{font-size:13px;margin-bottom:12px}"""


def page(title: str, body: str, css: str = CSS) -> str:
    """A complete self-contained HTML page."""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{css}</style></head><body>"
            f"{body}</body></html>")


def esc(value: object) -> str:
    """HTML-escaped text of a cell ('' for missing)."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN / NA
            return ""
    except (TypeError, ValueError):
        return ""
    return html.escape(str(value))
