"""The report's figures, drawn as ggsurvfit draws them: step curves with stepped CI bands,
censor marks, the log-rank / Gray p on the plot and a number-at-risk table under the axis
(``ggsurvfit() + add_confidence_interval() + add_censor_mark() + add_pvalue() +
add_risktable()``); a Love plot of the matching (cobalt ``love.plot``); Okabe-Ito colours.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MultipleLocator  # noqa: E402

from outcome_report.display import balance_label, style_pvalue  # noqa: E402
from outcome_report.matching import SMD_THRESHOLD  # noqa: E402
from outcome_report.schema import FIGURES, PANELS  # noqa: E402
from outcome_report.variables import level_label  # noqa: E402

#: Okabe & Ito (2008) colour-blind-safe palette, in ggsurvfit's order of use.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
Y_LABELS = {"OS": "Overall survival", "GRFS": "GVHD-free, relapse-free survival",
            "CIR": "Cumulative incidence of relapse", "NRM": "Non-relapse mortality"}
X_MAX_MONTHS = 36.0
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10,
                     "svg.fonttype": "none"})


def _group_order(fig_id: str, groups: list[str]) -> list[str]:
    group_col = FIGURES[fig_id][3]
    from outcome_report.variables import LEVEL_LABELS
    known = list(LEVEL_LABELS.get(group_col or "", {}))
    if group_col == "arm":
        known = ["AZA/VEN", "IC"]
    return sorted(groups, key=lambda g: (known.index(g) if g in known else len(known), g))


def plot_curve(fig_id: str, curves: pd.DataFrame, risk: pd.DataFrame) -> plt.Figure:
    """One Kaplan-Meier / cumulative-incidence panel with its number-at-risk table."""
    title, endpoint, _, group_col = FIGURES[fig_id]
    cv = curves[curves["figure"] == fig_id]
    nr = risk[risk["figure"] == fig_id]
    groups = _group_order(fig_id, list(dict.fromkeys(cv["group"].astype(str))))
    labels = {g: ("All patients" if group_col is None else level_label(group_col, g))
              for g in groups}
    tmax = float(cv["time_months"].max()) if len(cv) else X_MAX_MONTHS
    xmax = X_MAX_MONTHS if not np.isfinite(tmax) or tmax >= X_MAX_MONTHS else max(
        6.0 * np.ceil(tmax / 6.0), 6.0)
    n_rows = max(len(groups), 1)
    fig = plt.figure(figsize=(7.2, 5.0 + 0.28 * n_rows))
    gs = fig.add_gridspec(2, 1, height_ratios=[4.2, 0.55 + 0.32 * n_rows], hspace=0.32)
    ax, axr = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    for k, g in enumerate(groups):
        d = cv[(cv["group"].astype(str) == g) & (cv["time_months"] <= xmax)]
        col = OKABE_ITO[k % len(OKABE_ITO)]
        x, y = d["time_months"].to_numpy(float), d["estimate"].to_numpy(float)
        x_end = np.r_[x, min(xmax, float(d["time_months"].max()))]
        ax.fill_between(x, d["lower"].to_numpy(float), d["upper"].to_numpy(float), step="post",
                        color=col, alpha=0.13, linewidth=0)
        ax.step(x_end, np.r_[y, y[-1]] if y.size else y, where="post", color=col, lw=1.8,
                label=labels[g], zorder=3)
        cens = d[d["n_censor"].fillna(0) > 0]
        ax.plot(cens["time_months"], cens["estimate"], linestyle="none", marker="|",
                markersize=7, mew=1.2, color=col, zorder=4)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.0)
    ax.xaxis.set_major_locator(MultipleLocator(6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_xlabel("Months since transplant")
    ax.set_ylabel(Y_LABELS.get(endpoint, endpoint))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.25)
    ax.set_title(f"{PANELS.get(fig_id, '')}  {title}", loc="left", fontsize=11,
                 fontweight="bold")
    if groups:
        ax.legend(loc="upper right" if endpoint in ("CIR", "NRM") else "lower left",
                  frameon=False, fontsize=9, bbox_to_anchor=None)
        tests = cv["test_p"].dropna()
        if len(tests) and group_col is not None:
            name = "Log-rank" if cv["test"].dropna().iloc[0] == "log-rank" else "Gray's test"
            p = style_pvalue(float(tests.iloc[0]))
            text = f"{name} p {p}" if p.startswith(("<", ">")) else f"{name} p = {p}"
            ax.text(0.98 if endpoint not in ("CIR", "NRM") else 0.02, 0.96,
                    text, transform=ax.transAxes, fontsize=9,
                    ha="right" if endpoint not in ("CIR", "NRM") else "left", va="top")
    else:
        ax.text(0.5, 0.5, "No patients in this snapshot", ha="center",
                transform=ax.transAxes)
    # number at risk: one row per group, labelled with the group name
    axr.set_xlim(0, xmax)
    axr.set_ylim(-0.5, n_rows - 0.5)
    axr.xaxis.set_major_locator(MultipleLocator(6))
    axr.set_yticks(range(n_rows))
    axr.set_yticklabels([labels[g] for g in reversed(groups)] or [""], fontsize=8.5)
    for tick, g in zip(axr.get_yticklabels(), reversed(groups), strict=False):
        tick.set_color(OKABE_ITO[groups.index(g) % len(OKABE_ITO)])
    axr.tick_params(axis="both", length=0, labelsize=8.5)
    axr.tick_params(axis="y", pad=16)
    axr.spines[:].set_visible(False)
    axr.set_title("Number at risk", loc="left", fontsize=9, fontweight="bold")
    for k, g in enumerate(groups):
        row = nr[nr["group"].astype(str) == g]
        for t, n in zip(row["time_months"], row["n_risk"], strict=True):
            if t <= xmax:
                axr.text(t, n_rows - 1 - k, str(int(n)), ha="center", va="center",
                         fontsize=8.5)
    axr.set_xticklabels([])
    fig.subplots_adjust(left=0.30 if max((len(v) for v in labels.values()), default=0) > 18
                        else 0.2, right=0.97, top=0.93, bottom=0.05)
    return fig


def love_plot(balance: pd.DataFrame, threshold: float = SMD_THRESHOLD) -> plt.Figure:
    """cobalt ``love.plot(abs = TRUE, thresholds = 0.1)``: |SMD| before (open) and after
    (filled) per variable; variables above the threshold after matching in red and named."""
    b = balance[balance["variable"].notna()].copy()
    b["label"] = b["variable"].astype(str).map(balance_label)
    b["before"] = pd.to_numeric(b["smd_before"], errors="coerce").abs()
    b["after"] = pd.to_numeric(b["smd_after"], errors="coerce").abs()
    b = b.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.2, 1.2 + 0.3 * max(len(b), 1)))
    y = np.arange(len(b))
    ax.scatter(b["before"], y, facecolors="white", edgecolors=OKABE_ITO[1], s=36,
               label="Before matching", zorder=3)
    bad = b["after"] > threshold
    ax.scatter(b["after"][~bad], y[~bad.to_numpy()], color=OKABE_ITO[0], s=36,
               label="After matching", zorder=4)
    if bad.any():
        ax.scatter(b["after"][bad], y[bad.to_numpy()], color="#B00020", marker="D", s=40,
                   label=f"After matching, |SMD| > {threshold}", zorder=5)
    ax.axvline(threshold, color="#555", ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(b["label"], fontsize=8.5)
    for tick, is_bad in zip(ax.get_yticklabels(), bad, strict=True):
        if is_bad:
            tick.set_color("#B00020")
            tick.set_fontweight("bold")
    top = np.nanmax(np.r_[b["before"].to_numpy(float), b["after"].to_numpy(float), 0.3])
    ax.set_xlim(0, min(max(top * 1.1, 0.3), 3.0))
    ax.set_xlabel("Absolute standardised mean difference")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", alpha=0.25)
    ax.legend(loc="lower right", fontsize=8.5, frameon=True)
    ax.set_title("Covariate balance (Love plot)", loc="left", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig
