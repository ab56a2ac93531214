"""Figures (PNG + SVG) and the single self-contained HTML report of the outcome tables.

Layout of the reference study (Bone Marrow Transplantation 2026); curves are redrawn from
`outcomes.curves` (survival_stats estimators matching R survival::survfit / cmprsk::cuminc).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from outcome_report.tables import FIGURES  # noqa: E402

SECTIONS = [
    "Snapshot", "Cohort flow", "Table 1: characteristics", "Outcomes at 12 and 24 months",
    "Acute GVHD at day 100", "Figures", "Univariate analysis", "Multivariable analysis (Table 2)",
    "Three-group model", "Matched comparison", "Calibration", "Statistical conventions",
]
CONVENTIONS = (
    "Kaplan-Meier with Greenwood variance and log-scale confidence intervals (R survfit "
    "default); medians as survfit. Cumulative incidence by Aalen-Johansen with the variance of "
    "cmprsk::cuminc and log(-log) confidence intervals; Gray's test with rho = 0. Log-rank test "
    "(survdiff, rho = 0). Cox proportional hazards with Efron ties, Wald p; cause-specific Cox "
    "for CIR/NRM. Multivariable models on the variables with p <= 0.05 in the univariate screen. "
    "Median follow-up by reverse Kaplan-Meier. Matching: 1:1 nearest-neighbour propensity "
    "score (logistic), without replacement (MatchIt nearest/glm). Times in months "
    "(days / 30.4375). Reference: Bone Marrow Transplantation 2026 (AZA/VEN then HSCT in R/R AML)."
)
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


@dataclass(frozen=True)
class ReportResult:
    """Where the report went: the HTML file, the figure files, and counts."""

    html_path: Path
    figure_paths: list[Path]
    n_tables: int
    n_figures: int


def plot_figure(fig_id: str, curves: pd.DataFrame, risk: pd.DataFrame, snapshot: dict
                ) -> plt.Figure:
    """One KM / cumulative-incidence figure with CI bands and a number-at-risk table."""
    title, endpoint, _, _ = FIGURES[fig_id]
    cv = curves[curves["figure"] == fig_id]
    nr = risk[risk["figure"] == fig_id]
    tmax = float(cv["time_months"].max()) if len(cv) else 36.0
    xmax = 36.0 if not np.isfinite(tmax) or tmax >= 36.0 else max(tmax, 1.0)
    groups = list(dict.fromkeys(cv["group"].tolist()))
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(7.5, 5.2 + 0.25 * len(groups)),
                                  gridspec_kw={"height_ratios": [4, 0.6 + 0.3 * len(groups)]})
    for k, g in enumerate(groups):
        d = cv[(cv["group"] == g) & (cv["time_months"] <= xmax)]
        col = COLORS[k % len(COLORS)]
        x = d["time_months"].to_numpy(float)
        y = d["estimate"].to_numpy(float)
        ax.step(x, y, where="post", color=col, label=f"{g} (n={int(d['n_risk'].iloc[0])})")
        ax.fill_between(x, d["lower"].to_numpy(float), d["upper"].to_numpy(float), step="post",
                        color=col, alpha=0.15, linewidth=0)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Probability" if endpoint in ("OS", "GRFS") else "Cumulative incidence")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    if groups:
        ax.legend(loc="best", fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no data in this snapshot", ha="center", transform=ax.transAxes)
    ticks = [t for t in sorted(nr["time_months"].unique()) if t <= xmax] or [0.0]
    ax.set_xticks(ticks)
    axr.set_xlim(0, xmax)
    axr.set_ylim(-0.5, len(groups) - 0.5 if groups else 0.5)
    axr.axis("off")
    axr.set_title("Number at risk", fontsize=8, loc="left")
    for k, g in enumerate(groups):
        row = nr[nr["group"] == g]
        for t, n in zip(row["time_months"], row["n_risk"], strict=True):
            if t <= xmax:
                axr.text(t, len(groups) - 1 - k, str(int(n)), ha="center", va="center",
                         fontsize=8, color=COLORS[k % len(COLORS)])
    axr.set_xlabel("Months after HSCT")
    fig.text(0.01, 0.005, f"refresh {snapshot.get('refresh_id')} | code "
             f"{snapshot.get('code_version')}", fontsize=6, color="#666")
    fig.tight_layout()
    return fig


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float | np.floating):
        return f"{v:.3g}" if abs(v) < 1e-3 else f"{v:.3f}".rstrip("0").rstrip(".")
    return str(v)


def _table_html(df: pd.DataFrame, title: str, drop: tuple[str, ...] = ()) -> str:
    """great-tables HTML, or a plain HTML table when great-tables fails."""
    cols = [c for c in df.columns if c not in ("refresh_id", "code_version", *drop)]
    show = df[cols].copy()
    for c in cols:
        show[c] = show[c].map(_fmt)
    try:
        from great_tables import GT

        out = GT(show).tab_header(title=title).as_raw_html()
        if "http://" in out or "https://" in out:
            raise ValueError("external resource in great-tables output")
        return out
    except Exception:  # noqa: BLE001 - any failure falls back to plain HTML
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                       for r in show.itertuples(index=False))
        return (f"<table class='plain'><caption>{html.escape(title)}</caption><thead><tr>{head}"
                f"</tr></thead><tbody>{body}</tbody></table>")


def flow_diagram(flow: pd.DataFrame) -> str:
    """Inline SVG box diagram of the cohort flow (registry -> R/R salvage -> CRc -> HSCT)."""
    steps = [("registry", "Registry"), ("azaven_treated", "AZA/VEN-treated"),
             ("rr_salvage", "R/R salvage"), ("crc", "CRc"), ("transplanted", "Transplanted")]
    boxes = []
    y = 10
    for key, label in steps:
        sub = flow[flow["step"] == key]
        total = sub[sub["setting"] == "all"]
        n = int(total["n"].iloc[0]) if len(total) else 0
        detail = "; ".join(f"{r.setting}: {r.text}" for r in sub.itertuples()
                           if r.setting != "all")
        boxes.append(f'<rect x="20" y="{y}" width="560" height="44" rx="6" fill="#eef3fa" '
                     f'stroke="#4a6fa5"/><text x="30" y="{y + 18}" font-size="13" '
                     f'font-weight="bold">{html.escape(label)}: n = {n}</text>'
                     f'<text x="30" y="{y + 36}" font-size="10">{html.escape(detail)}</text>')
        if key != "transplanted":
            boxes.append(f'<line x1="300" y1="{y + 44}" x2="300" y2="{y + 62}" stroke="#4a6fa5" '
                         f'stroke-width="2"/>')
        y += 62
    return (f'<svg width="600" height="{y}" role="img" '
            f'aria-label="cohort flow">{"".join(boxes)}</svg>')


CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}
table.plain{border-collapse:collapse;font-size:12px;margin:8px 0}
table.plain td,table.plain th{border:1px solid #ddd;padding:3px 6px}
figure{display:inline-block;margin:8px}img{max-width:560px}
.meta{font-size:12px;color:#555}footer{font-size:12px;color:#555;margin-top:40px}"""


def render_report(tables: dict[str, pd.DataFrame], patients: pd.DataFrame,
                  endpoints: pd.DataFrame, snapshot: dict, out_dir: Path) -> ReportResult:
    """Write figures (PNG+SVG) and one self-contained `report.html` (study: Bone Marrow
    Transplantation 2026; estimates from survival_stats, R survival/cmprsk conventions)."""
    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    cv, nr = tables["curves"], tables["number_at_risk"]
    paths: list[Path] = []
    imgs: list[str] = []
    for fig_id, (title, *_rest) in FIGURES.items():
        fig = plot_figure(fig_id, cv, nr, snapshot)
        png, svg = fig_dir / f"{fig_id}.png", fig_dir / f"{fig_id}.svg"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        png.write_bytes(buf.getvalue())
        fig.savefig(svg)
        plt.close(fig)
        paths += [png, svg]
        b64 = base64.b64encode(buf.getvalue()).decode("ascii")
        imgs.append(f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{b64}">'
                    f"<figcaption>{html.escape(title)}</figcaption></figure>")

    t = tables
    oe = t["outcome_estimates"]
    agvhd = oe["endpoint"].isin(["AGVHD_2_4", "AGVHD_3_4"])
    deliveries = t["snapshot"]
    parts = {
        "Snapshot": (f"<p class='meta'>Refresh <b>{html.escape(str(snapshot.get('refresh_id')))}"
                     f"</b>, code version <b>{html.escape(str(snapshot.get('code_version')))}"
                     f"</b>, generated {html.escape(str(snapshot.get('generated_at')))}; "
                     f"{len(patients)} patients, {endpoints['patient_key'].nunique()} "
                     f"transplanted with endpoints.</p>"
                     "<p class='meta'><a href='data-dictionary.html'>Data dictionary</a></p>"
                     + _table_html(deliveries, "Deliveries per centre")),
        "Cohort flow": flow_diagram(t["cohort_flow"]) + _table_html(t["cohort_flow"],
                                                                    "Cohort flow"),
        "Table 1: characteristics": (
            _table_html(t["table1_azaven"], "Transplanted AZA/VEN patients")
            + _table_html(t["table1_ic"], "Transplanted IC comparator patients")
            + _table_html(t["table1_comparison"], "AZA/VEN vs IC")),
        "Outcomes at 12 and 24 months": _table_html(oe[~agvhd], "Outcome estimates"),
        "Acute GVHD at day 100": _table_html(oe[agvhd], "Acute GVHD at day 100"),
        "Figures": "".join(imgs),
        "Univariate analysis": _table_html(t["univariate"], "Univariate analysis"),
        "Multivariable analysis (Table 2)": _table_html(t["multivariable"],
                                                        "Multivariable Cox models",
                                                        drop=("candidates",)),
        "Three-group model": _table_html(t["three_group_model"],
                                         "2-year CIR by pretransplant risk group"),
        "Matched comparison": (_table_html(t["matched_balance"], "Balance (SMD)")
                               + _table_html(t["matched_outcomes"], "Matched outcomes")),
        "Calibration": _table_html(t["calibration"], "Calibration targets vs registry"),
    }
    body = "".join(f"<section><h2>{html.escape(k)}</h2>{v}</section>" for k, v in parts.items())
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>Outcome report {html.escape(str(snapshot.get('refresh_id')))}</title>"
           f"<style>{CSS}</style></head><body><h1>AML registry: standard outcome report</h1>"
           f"{body}<footer><h2>Statistical conventions</h2><p>{html.escape(CONVENTIONS)}</p>"
           f"</footer></body></html>")
    html_path = out_dir / "report.html"
    html_path.write_text(doc, encoding="utf-8")
    return ReportResult(html_path, paths, len(tables), len(FIGURES))
