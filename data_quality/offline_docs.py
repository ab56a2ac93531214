"""Great-expectations data docs that work offline: no asset from the internet.

Source: issue 15 ("data docs work offline"). GX 1.x pages load Bootstrap, jQuery,
bootstrap-table, Font Awesome, Vega and logos from CDNs; without the network they are
unstyled and the index (built by bootstrap-table in JavaScript) is empty. After GX writes
the site, every page is post-processed: external scripts, stylesheets, images and links are
removed, the inline scripts (which need jQuery) are dropped and a small stylesheet is
inlined; the index is replaced by a static page (:func:`data_docs_index`) that lists each
suite, what failed per centre, and links to GX's validation and expectation pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from data_quality.html_style import GX_OFFLINE_CSS, esc, page
from warehouse.demo_banner import demo_banner, demo_title

_EXTERNAL = r"""(?:https?:)?//[^"'\s>]+"""
_PATTERNS = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']" + _EXTERNAL + r"[\"'][^>]*>\s*</script>",
               re.I | re.S),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']" + _EXTERNAL + r"[\"'][^>]*/?>", re.I | re.S),
    re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']" + _EXTERNAL + r"[\"'][^>]*/?>", re.I | re.S),
]
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
_EXTERNAL_HREF = re.compile(r"\bhref\s*=\s*[\"']" + _EXTERNAL + r"[\"']", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?" + _EXTERNAL + r"['\"]?\s*\)", re.I)
#: what counts as loading an asset from outside: src/href of script, link, img; CSS url()
_ASSET_REFERENCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*[\"']"
    + _EXTERNAL + r"|url\(\s*['\"]?" + _EXTERNAL + r"|@import\s+['\"]?" + _EXTERNAL, re.I)


def external_assets(text: str) -> list[str]:
    """Every reference in an HTML or CSS text that would load something from the network."""
    return [m.group(0) for m in _ASSET_REFERENCE.finditer(text)]


def offline_page(text: str, index_href: str) -> str:
    """One GX page without network assets or scripts, with the inline offline stylesheet."""
    for pattern in _PATTERNS:
        text = pattern.sub("", text)
    text = _INLINE_SCRIPT.sub("", text)
    text = _EXTERNAL_HREF.sub('href="#"', text)
    text = _CSS_URL.sub("none", text)
    style = f"<style>{GX_OFFLINE_CSS}</style>"
    text = re.sub(r"</head>", lambda _m: style + "</head>", text, count=1, flags=re.I)
    nav = (f"<div class='gx-offline-nav'><a href='{index_href}'>&larr; data docs index"
           "</a> (offline copy: styles inlined, no scripts)</div>")
    return re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + nav, text, count=1, flags=re.I)


def make_site_offline(out_dir: Path) -> list[Path]:
    """Post-process every HTML and CSS file of a GX site in place; returns the pages."""
    out_dir = Path(out_dir)
    pages = []
    for path in sorted(out_dir.rglob("*.html")):
        if path.name == "index.html" and path.parent == out_dir:
            continue
        depth = len(path.relative_to(out_dir).parts) - 1
        index = "../" * depth + "index.html"
        path.write_text(offline_page(path.read_text(encoding="utf-8"), index),
                        encoding="utf-8")
        pages.append(path)
    for css in out_dir.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        css.write_text(_CSS_URL.sub("none", text), encoding="utf-8")
    return pages


def _validation_pages(out_dir: Path) -> dict[str, str]:
    """suite -> relative path of its newest validation page."""
    found: dict[str, str] = {}
    for path in sorted((out_dir / "validations").rglob("*.html")):
        suite = path.relative_to(out_dir / "validations").parts[0]
        found[suite] = path.relative_to(out_dir).as_posix()
    return found


def data_docs_index(out_dir: Path, run_name: str, suites: pd.DataFrame,
                    results: pd.DataFrame, centre_results: pd.DataFrame,
                    notes: list[str], is_demo: bool = False) -> Path:
    """The static index of the data docs: suites, failures per centre, links to GX pages
    (with the demo banner on a demo warehouse's, as every page it publishes)."""
    out_dir = Path(out_dir)
    validations = _validation_pages(out_dir)
    rows = []
    for s in suites.itertuples(index=False):
        status = ("<span class='pass'>passed</span>" if s.unsuccessful == 0
                  else f"<span class='fail'>{s.unsuccessful} failed</span>")
        v = validations.get(s.suite)
        e = f"expectations/{s.suite}.html"
        rows.append(
            f"<tr><td>{esc(s.suite)}</td><td>{status}</td><td class='num'>{s.evaluated}</td>"
            f"<td class='num'>{s.successful}</td><td class='num'>{s.rows_total:,}</td>"
            f"<td>{_link(v, 'validation result')} &middot; {_link(e, 'expectations')}</td>"
            "</tr>")
    failed = results[results["status"].isin(["failed", "error"])]
    failed_rows = "".join(
        f"<tr><td>{esc(r.suite)}</td><td>{esc(r.kind)}</td><td>{esc(r.check_name)}</td>"
        f"<td>{esc(r.column_name)}</td><td>{esc(r.centre_id) or 'all'}</td>"
        f"<td class='num'>{esc(r.unexpected_count)}</td><td>{esc(r.expected)}</td>"
        f"<td>{esc(r.description)}</td></tr>" for r in failed.itertuples(index=False))
    centre_part = _centre_matrix(centre_results)
    body = (
        demo_banner(is_demo)
        + f"<h1>Data docs: registry expectations</h1><p class='meta'>Run <b>{esc(run_name)}"
        "</b>. Validated on the typed rows of each centre's current delivery <b>before "
        "quarantine</b>, so what failed is shown here, per centre; the rows themselves are "
        "the queries in the quality dashboard and the centres' workbooks.</p>"
        + "".join(f"<p class='meta'>{esc(n)}</p>" for n in notes)
        + "<h2>Suites</h2><table class='plain'><thead><tr><th>suite</th><th>status</th>"
        "<th>evaluated</th><th>successful</th><th>rows</th><th>pages</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<h2>Failed expectations by centre</h2>" + centre_part
        + "<h2>Failed expectations (registry-wide)</h2>"
        + ("<table class='plain'><thead><tr><th>suite</th><th>kind</th><th>check</th>"
           "<th>column</th><th>centre</th><th>unexpected rows</th><th>expected</th>"
           f"<th>description</th></tr></thead><tbody>{failed_rows}</tbody></table>"
           if failed_rows else "<p>None: every expectation met its threshold.</p>"))
    index = out_dir / "index.html"
    index.write_text(page(demo_title(f"Data docs {run_name}", is_demo), body), encoding="utf-8")
    return index


def _link(href: str | None, text: str) -> str:
    return f"<a href='{esc(href)}'>{esc(text)}</a>" if href else ""


def _centre_matrix(centre_results: pd.DataFrame) -> str:
    if centre_results.empty:
        return "<p>No per-centre results.</p>"
    failed = centre_results[centre_results["success"].eq(False)]
    if failed.empty:
        return "<p>None: every centre met every threshold.</p>"
    parts = []
    for centre, f in failed.groupby("centre_id", sort=True):
        items = "".join(
            f"<tr><td>{esc(r.suite)}</td><td>{esc(r.kind)}</td><td>{esc(r.check_name)}</td>"
            f"<td>{esc(r.column_name)}</td><td class='num'>{int(r.unexpected_count)}</td>"
            f"<td class='num'>{r.share_violated:.1%}</td><td class='num'>"
            f"{'' if pd.isna(r.threshold) else f'{1 - r.threshold:.0%}'}</td>"
            f"<td>{esc(r.expected)}</td></tr>" for r in f.itertuples(index=False))
        parts.append(
            f"<h3 id='centre-{esc(centre)}'>Centre {esc(centre)}: {len(f)} failed</h3>"
            "<table class='plain'><thead><tr><th>suite</th><th>kind</th><th>check</th>"
            "<th>column</th><th>failing rows</th><th>share violated</th>"
            "<th>allowed</th><th>expected</th></tr></thead>"
            f"<tbody>{items}</tbody></table>")
    return "".join(parts)
