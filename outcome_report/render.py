"""The standard outcome report: one self-contained HTML page in the study's order (cohort flow,
Table 1, outcomes, subgroups, Table 2, matched comparison), figures as PNG + SVG, and every
table as CSV and in one XLSX workbook next to it (study: Bone Marrow Transplantation 2026).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from outcome_report import display as dsp
from outcome_report.figures import love_plot, plot_curve
from outcome_report.matching import SMD_THRESHOLD, imbalanced
from outcome_report.page import CONVENTIONS, CSS, flow_diagram, html_table
from outcome_report.schema import FIGURES, MULTIVARIABLE_ENDPOINTS, PANELS
from outcome_report.settings import ReportSettings
from outcome_report.variables import AZAVEN
from warehouse.demo_banner import demo_banner, demo_title

SECTIONS = ["Data snapshot", "Cohort flow", "Table 1: characteristics", "Outcomes",
            "Subgroups", "Table 2: prognostic factors", "Matched comparison",
            "Statistical methods", "Downloads"]
SUBGROUP_FIGURES = [f for f in FIGURES if not f.startswith("matched_")]
MATCHED_FIGURES = [f for f in FIGURES if f.startswith("matched_")]


@dataclass(frozen=True)
class ReportResult:
    """Where the report went: the HTML file, the figure and table files, and counts."""

    html_path: Path
    figure_paths: list[Path]
    n_tables: int
    n_figures: int
    table_paths: tuple[Path, ...] = ()


def _anchor(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")


def _save(fig: plt.Figure, fig_dir: Path, name: str, alt: str, caption: str,
          paths: list[Path]) -> str:
    png, svg = fig_dir / f"{name}.png", fig_dir / f"{name}.svg"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    png.write_bytes(buf.getvalue())
    fig.savefig(svg)
    plt.close(fig)
    paths += [png, svg]
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure id="fig-{name}"><img alt="{html.escape(alt)}" '
            f'src="data:image/png;base64,{b64}"><figcaption>{caption} '
            f'<a href="figures/{name}.svg">SVG</a> · <a href="figures/{name}.png">PNG</a>'
            f"</figcaption></figure>")


def _snapshot_section(snap: pd.DataFrame, snapshot: dict, settings: ReportSettings,
                      patients: pd.DataFrame) -> tuple[str, dsp.DisplayTable]:
    table = dsp.snapshot_display(snap, settings.stale_after_days)
    failed = snap[snap["status"] == "failed"]
    stale = snap[snap["stale"].astype(bool)]
    alerts = []
    if len(failed):
        alerts.append(
            f"<p class='alert'><b>Failed this refresh: {html.escape(', '.join(failed['centre_id']))}"
            f".</b> Their newest delivery could not be read; their last good delivery (date "
            f"in the table) is used, so their newer patients and follow-up are missing "
            f"from every number below.</p>")
    if len(stale):
        alerts.append(
            f"<p class='alert'><b>Stale deliveries: {html.escape(', '.join(stale['centre_id']))}"
            f"</b> (older than {settings.stale_after_days} days). Their follow-up ends at "
            f"that delivery: events since then are not counted, so survival is "
            f"overestimated and follow-up underestimated for their patients.</p>")
    quarantined = int(snap["rows_quarantined"].fillna(0).sum())
    head = (f"<p>Refresh <b>{html.escape(str(snapshot.get('refresh_id')))}</b>, code version "
            f"<b>{html.escape(str(snapshot.get('code_version')))}</b>, computed "
            f"{html.escape(str(snapshot.get('generated_at')).rstrip('Z'))} UTC. {len(snap)} "
            f"centres ({len(failed)} failed this refresh, {len(stale)} stale); "
            f"{len(patients)} patients; {quarantined} delivered "
            f"rows quarantined (not used; see the data managers' quality report).</p>"
            "<p class='meta'><a href='data-dictionary.html'>Data dictionary</a> (every "
            "table and column) &middot; <a href='quality.html'>Data-quality dashboard</a></p>")
    return head + "".join(alerts) + html_table(table), table


def _matched_section(t: dict[str, pd.DataFrame], settings: ReportSettings, fig_dir: Path,
                     paths: list[Path]) -> tuple[str, list[dsp.DisplayTable]]:
    bal = t["matched_balance"]
    n_pairs = int(bal["n_pairs"].iloc[0]) if len(bal) else 0
    n_t = int(bal["n_treated"].iloc[0]) if len(bal) else 0
    n_c = int(bal["n_control"].iloc[0]) if len(bal) else 0
    design = settings.matching
    exact = ", ".join(dsp.variable_label(v).split(",")[0] for v in design.exact)
    intro = (f"<p>1:1 pair-matching without replacement of transplanted AZA/VEN patients to "
             f"the IC comparator pool ({n_c} IC-salvaged transplanted R/R patients of one "
             f"centre): exact on {html.escape(exact)}; the nearest age within "
             f"{design.age_caliper_years:g} years. <b>{n_pairs} pairs</b> of {n_t} AZA/VEN "
             f"patients.</p>")
    if n_pairs < n_t and n_t:
        intro += (f"<p class='alert'>{n_t - n_pairs} AZA/VEN patients had no IC patient with "
                  f"the same characteristics within {design.age_caliper_years:g} years of age "
                  f"and are not in this comparison: it describes the matched patients, not "
                  f"the whole AZA/VEN cohort.</p>")
    bad = imbalanced(bal)
    if n_pairs == 0:
        intro += "<p class='alert'><b>No matched pairs: no comparison is shown.</b></p>"
    elif len(bad):
        names = ", ".join(dsp.balance_label(str(v)) for v in bad["variable"])
        intro += (f"<p class='alert'><b>Not balanced after matching: {html.escape(names)}</b> "
                  f"(|SMD| > {SMD_THRESHOLD}). The IC pool has too few patients like these "
                  f"AZA/VEN patients; differences in outcome may reflect this imbalance, not "
                  f"the salvage.</p>")
    else:
        intro += (f"<p class='ok'>Every characteristic is balanced after matching "
                  f"(|SMD| ≤ {SMD_THRESHOLD}).</p>")
    tables = [dsp.balance_display(bal)]
    body = intro + html_table(tables[0])
    if len(bal) and bal["variable"].notna().any():
        body += _save(love_plot(bal), fig_dir, "love_plot", "Love plot of covariate balance",
                      "Supplementary Fig. 3. Absolute SMD before and after matching; dashed "
                      f"line at {SMD_THRESHOLD}.", paths)
    if n_pairs:
        tables.append(dsp.matched_outcomes_display(t["matched_outcomes"]))
        body += html_table(tables[1])
        body += "".join(_curve(f, t, fig_dir, paths) for f in MATCHED_FIGURES)
    return body, tables


def _curve(fig_id: str, t: dict[str, pd.DataFrame], fig_dir: Path, paths: list[Path]) -> str:
    title = FIGURES[fig_id][0]
    fig = plot_curve(fig_id, t["curves"], t["number_at_risk"])
    return _save(fig, fig_dir, fig_id, f"{PANELS[fig_id]}: {title}",
                 f"{PANELS[fig_id]}. {html.escape(title)}; tick marks: censored patients; "
                 f"shaded: 95% CI.", paths)


def write_downloads(tables: list[dsp.DisplayTable], out_dir: Path) -> tuple[Path, ...]:
    """Every displayed table as ``tables/<key>.csv`` and all in ``tables/report_tables.xlsx``
    (one sheet per table, footnotes under it)."""
    folder = out_dir / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    xlsx = folder / "report_tables.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as book:
        for tb in tables:
            df = tb.frame()
            path = folder / f"{tb.key}.csv"
            df.to_csv(path, index=False, encoding="utf-8")
            paths.append(path)
            df.to_excel(book, sheet_name=tb.key[:31], index=False, startrow=1)
            sheet = book.sheets[tb.key[:31]]
            sheet.cell(row=1, column=1, value=tb.title)
            for k, note in enumerate(tb.footnotes):
                sheet.cell(row=len(df) + 4 + k, column=1, value=note)
    return (*paths, xlsx)


def render_report(tables: dict[str, pd.DataFrame], patients: pd.DataFrame,
                  endpoints: pd.DataFrame, snapshot: dict, out_dir: Path,
                  settings: ReportSettings | None = None) -> ReportResult:
    """Write figures (PNG + SVG), the tables (CSV + XLSX) and one self-contained
    `report.html` (study: Bone Marrow Transplantation 2026; estimates from survival_stats,
    R survival/cmprsk conventions). ``snapshot["is_demo"]`` (a demo warehouse) puts the demo
    banner at the top of the page."""
    settings = settings or ReportSettings.from_env()
    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    t = tables
    paths: list[Path] = []
    shown: list[dsp.DisplayTable] = []
    min_cell = settings.min_cell

    snap_html, snap_table = _snapshot_section(t["snapshot"], snapshot, settings, patients)
    shown.append(snap_table)
    n_az = int(t["table1_azaven"]["n_known"].max() or 0) if len(t["table1_azaven"]) else 0
    n_ic = int(t["table1_ic"]["n_known"].max() or 0) if len(t["table1_ic"]) else 0
    t1 = dsp.table1_display("table1", "Table 1: characteristics of the transplanted AZA/VEN "
                            "patients", [("AZA/VEN", t["table1_azaven"], n_az)], None, min_cell)
    t1c = dsp.table1_display("table1_comparison", "Supplementary Table 1: AZA/VEN vs the IC "
                             "comparator pool, before matching",
                             [("AZA/VEN", t["table1_azaven"], n_az),
                              ("IC", t["table1_ic"], n_ic)], t["table1_comparison"], min_cell)
    outcomes = dsp.estimates_display(t["outcome_estimates"], AZAVEN,
                                     "Outcomes of the transplanted AZA/VEN patients")
    tg = dsp.three_group_display(t["three_group_model"])
    t2 = [dsp.table2_display(t["univariate"], t["multivariable"], ep, min_cell)
          for ep in MULTIVARIABLE_ENDPOINTS]
    shown += [t1, t1c, outcomes, tg, *t2]
    flow = t["cohort_flow"]
    parts = {
        "Data snapshot": snap_html,
        "Cohort flow": ("<div class='flow'>" + flow_diagram(flow) + "</div><p class='caption'>"
                        "Supplementary Fig. 1. Registry to transplant; percentages of the "
                        "step above.</p>"),
        "Table 1: characteristics": html_table(t1) + html_table(t1c),
        "Outcomes": html_table(outcomes),
        "Subgroups": "".join(_curve(f, t, fig_dir, paths) for f in SUBGROUP_FIGURES)
                     + html_table(tg),
        "Table 2: prognostic factors": "".join(html_table(x) for x in t2),
    }
    matched_html, matched_tables = _matched_section(t, settings, fig_dir, paths)
    shown += matched_tables
    parts["Matched comparison"] = matched_html
    parts["Statistical methods"] = (f"<p>{html.escape(CONVENTIONS)}</p><p>"
                                    f"{html.escape(dsp._disclosure_note(min_cell))} The same "
                                    f"rule applies to the downloadable tables.</p>"
                                    if min_cell else f"<p>{html.escape(CONVENTIONS)}</p>")
    downloads = write_downloads(shown, out_dir)
    parts["Downloads"] = ("<ul class='downloads'>" + "".join(
        f"<li><a href='tables/{p.name}'>{html.escape(p.name)}</a></li>" for p in downloads)
        + "</ul>")
    toc = "".join(f"<li><a href='#{_anchor(k)}'>{html.escape(k)}</a></li>" for k in parts)
    body = "".join(f"<section id='{_anchor(k)}'><h2>{html.escape(k)}</h2>{v}</section>"
                   for k, v in parts.items())
    is_demo = bool(snapshot.get("is_demo"))
    doc = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           "<meta name='viewport' content='width=device-width, initial-scale=1'>"
           f"<title>{html.escape(demo_title('AML registry outcome report', is_demo))} "
           f"{html.escape(str(snapshot.get('refresh_id')))}"
           f"</title><style>{CSS}</style></head><body><main>{demo_banner(is_demo)}"
           "<h1>AML registry: standard outcome report</h1>"
           "<p class='sub'>Allogeneic HSCT after azacitidine + venetoclax salvage in relapsed/"
           "refractory AML (layout of Bone Marrow Transplantation 2026).</p>"
           f"<nav aria-label='Contents'><h2 class='toc'>Contents</h2><ol>{toc}</ol></nav>"
           f"{body}</main></body></html>")
    html_path = out_dir / "report.html"
    html_path.write_text(doc, encoding="utf-8")
    n_figures = sum(1 for p in paths if p.suffix == ".png")
    return ReportResult(html_path, paths, len(shown), n_figures, downloads)
