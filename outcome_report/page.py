"""HTML pieces of the report page: the stylesheet (screen, phone, print), the tables as
gtsummary/gt print them, and the cohort-flow diagram (Supplementary Fig. 1) as inline SVG."""

from __future__ import annotations

import html

import pandas as pd

from outcome_report.display import DisplayTable
from outcome_report.variables import level_label

CONVENTIONS = (
    "Time origin: day of the first allograft; times in months (days / 30.4375); censoring at "
    "the last contact. Kaplan-Meier with Greenwood variance and log-scale 95% confidence "
    "intervals (R survival::survfit); median follow-up by reverse Kaplan-Meier. Cumulative "
    "incidence by Aalen-Johansen with cmprsk::cuminc variance and log(-log) intervals; "
    "relapse and non-relapse mortality compete. Group comparisons: log-rank test (survdiff) "
    "and Gray's test (rho = 0). Cox proportional hazards with Efron ties and Wald p; "
    "cause-specific Cox for CIR and NRM; multivariable models of the characteristics with "
    "p ≤ 0.05 in the univariable screen. Characteristics: Wilcoxon rank-sum test, Pearson's "
    "chi-squared test or Fisher's exact test where expected counts are small. Matching: 1:1 "
    "nearest neighbour without replacement, exact on the categorical matching variables, "
    "age within a caliper; balance by standardised mean differences (MatchIt). p-values "
    "as gtsummary prints them.")

CSS = """*{box-sizing:border-box}
body{font-family:"Helvetica Neue",Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;
line-height:1.45;background:#fff}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 4px}.sub{color:#555;margin-top:0}
h2{font-size:19px;border-bottom:2px solid #d9dee5;padding-bottom:4px;margin-top:36px}
h2.toc{border:0;margin:0 0 4px;font-size:16px}
nav{background:#f4f6f9;border:1px solid #d9dee5;border-radius:6px;padding:10px 16px;
margin:16px 0}nav ol{margin:0;padding-left:22px;columns:2}nav a{color:#0b4f8a}
section{scroll-margin-top:12px}
.table-wrap{overflow-x:auto;max-width:100%;margin:12px 0 20px;-webkit-overflow-scrolling:touch}
table.gt{border-collapse:collapse;font-size:13.5px;min-width:60%;max-width:100%;
font-variant-numeric:tabular-nums}
table.gt caption{caption-side:top;text-align:left;font-weight:bold;font-size:15px;
padding:0 0 6px}
table.gt thead th{border-top:2px solid #333;border-bottom:1px solid #333;padding:6px 10px;
text-align:center;vertical-align:bottom;font-weight:bold}
table.gt thead tr.spanner th{border-top:2px solid #333;border-bottom:1px solid #999;
font-weight:bold}table.gt thead tr.spanner+tr th{border-top:0}
table.gt thead th:first-child{text-align:left}
table.gt td{padding:4px 10px;text-align:center;border:0}
table.gt td:not(:first-child),table.gt th{white-space:nowrap}
table.gt td:first-child{text-align:left}
table.gt tr.label td:first-child{font-weight:bold}
table.gt tr.level td:first-child{padding-left:28px}
table.gt tbody tr:last-child td{border-bottom:2px solid #333}
table.gt tfoot td{font-size:12px;color:#444;text-align:left;padding:4px 2px 0}
figure{margin:18px 0;max-width:760px}figure img{width:100%;height:auto;display:block}
figcaption,.caption{font-size:13px;color:#444}
.flow svg{width:100%;max-width:720px;height:auto}
.alert{background:#fff4e5;border-left:4px solid #d55e00;padding:8px 12px}
.ok{background:#eaf6ef;border-left:4px solid #009e73;padding:8px 12px}
@media (max-width:600px){main{padding:8px 10px 32px}nav ol{columns:1}
table.gt{font-size:12.5px}h1{font-size:20px}}
@media print{nav{display:none}main{max-width:none;padding:0}body{font-size:10pt}
h2{break-after:avoid}figure,table.gt,.flow{break-inside:avoid}
section{break-before:auto}.table-wrap{overflow:visible}a{color:inherit;text-decoration:none}
figcaption a{display:none}@page{margin:15mm}}"""


def html_table(t: DisplayTable) -> str:
    """A gt-style table: spanners, bold label rows, indented levels, footnotes in tfoot."""
    head = ""
    if t.spanners:
        head += "<tr class='spanner'>" + "".join(
            f"<th colspan='{n}'>{html.escape(s)}</th>" for s, n in t.spanners) + "</tr>"
    head += "<tr>" + "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in t.header) + "</tr>"
    body = "".join(f"<tr class='{r.kind}'>" + "".join(f"<td>{html.escape(c)}</td>"
                                                      for c in r.cells) + "</tr>"
                   for r in t.rows)
    if not t.rows:
        body = f"<tr><td colspan='{len(t.header)}'>No patients in this snapshot.</td></tr>"
    foot = "".join(f"<tr><td colspan='{len(t.header)}'>{html.escape(f)}</td></tr>"
                   for f in t.footnotes)
    return (f"<div class='table-wrap'><table class='gt' id='tbl-{t.key}'><caption>"
            f"{html.escape(t.title)}</caption><thead>{head}</thead><tbody>{body}</tbody>"
            f"<tfoot>{foot}</tfoot></table></div>")


def flow_diagram(flow: pd.DataFrame) -> str:
    """Inline SVG of the cohort flow: registry -> AZA/VEN -> R/R salvage by setting -> CRc
    -> transplanted (Supplementary Fig. 1 of the study), boxes with n and %."""
    def n_of(step: str, setting: str = "all") -> tuple[int, str]:
        r = flow[(flow["step"] == step) & (flow["setting"] == setting)]
        if r.empty:
            return 0, ""
        d = r["denominator"].iloc[0]
        pct = f" ({r['pct'].iloc[0]:.0f}%)" if pd.notna(d) and d else ""
        return int(r["n"].iloc[0]), pct

    settings = [s for s in ("post_ic", "post_hma", "molecular_relapse")
                if not flow[(flow["step"] == "rr_salvage") & (flow["setting"] == s)].empty]
    w, box_w = 720, 560
    parts: list[str] = []
    y = 10

    def box(x: float, y: float, bw: float, title: str, detail: str = "") -> None:
        parts.append(f'<rect x="{x}" y="{y}" width="{bw}" height="50" rx="6" fill="#eef3fa" '
                     f'stroke="#0072B2"/><text x="{x + bw / 2}" y="{y + (21 if detail else 31)}" '
                     f'font-size="15" '
                     f'text-anchor="middle" font-weight="bold">{html.escape(title)}</text>')
        if detail:
            parts.append(f'<text x="{x + bw / 2}" y="{y + 40}" font-size="12.5" '
                         f'text-anchor="middle">{html.escape(detail)}</text>')

    def arrow(y0: float, y1: float, x: float = w / 2) -> None:
        parts.append(f'<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1 - 6}" stroke="#0072B2" '
                     f'stroke-width="2"/><polygon points="{x - 5},{y1 - 7} {x + 5},{y1 - 7} '
                     f'{x},{y1}" fill="#0072B2"/>')

    x0 = (w - box_w) / 2
    for step, title in (("registry", "Registry"), ("azaven_treated", "AZA/VEN-treated")):
        n, pct = n_of(step)
        box(x0, y, box_w, f"{title}: n = {n}{pct}")
        arrow(y + 50, y + 74)
        y += 74
    n, pct = n_of("rr_salvage")
    box(x0, y, box_w, f"R/R salvage: n = {n}")
    y += 50
    col_w = (w - 20) / max(len(settings), 1)
    for step, label in (("rr_salvage", ""), ("crc", "CRc"), ("transplanted", "Transplanted")):
        for k in range(len(settings)):
            xc = 10 + k * col_w + col_w / 2
            arrow(y, y + 26, xc)
        y += 26
        for k, s in enumerate(settings):
            m, p = n_of(step, s)
            name = level_label("salvage_setting", s)
            box(10 + k * col_w + 6, y, col_w - 12, name if not label else f"{label}: {m}{p}",
                f"n = {m}{p}" if not label else name)
        y += 50
    n, pct = n_of("transplanted")
    arrow(y, y + 26)
    y += 26
    box(x0, y, box_w, f"Transplanted after AZA/VEN: n = {n}{pct}")
    y += 60
    m, _ = n_of("ic_comparator_transplanted")
    parts.append(f'<text x="{w / 2}" y="{y + 8}" font-size="12.5" text-anchor="middle" '
                 f'fill="#444">IC comparator pool (one centre, 2006-2021): {m} transplanted '
                 f'IC-salvaged R/R patients</text>')
    y += 20
    label = f"Cohort flow. Registry: n = {n_of('registry')[0]}"
    return (f'<svg viewBox="0 0 {w} {y}" role="img" aria-label="{html.escape(label)}" '
            f'><title>{html.escape(label)}</title>'
            f'{"".join(parts)}</svg>')
