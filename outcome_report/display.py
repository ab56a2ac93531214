"""Reader-facing tables of the report, laid out as gtsummary prints them (tbl_summary,
tbl_regression / tbl_uvregression merged side by side), with journal p-values and disclosure
control of small category counts.

Built from the stored `outcomes.*` tables; nothing here computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from outcome_report.matching import SMD_THRESHOLD
from outcome_report.schema import MULTIVARIABLE_ENDPOINTS
from outcome_report.variables import CANDIDATES, level_label, variable_label

ENDPOINT_NAMES = {"OS": "Overall survival", "CIR": "Cumulative incidence of relapse",
                  "NRM": "Non-relapse mortality", "GRFS": "GVHD-free, relapse-free survival",
                  "CGVHD": "Chronic GVHD, all grades", "CGVHD_SEVERE": "Chronic GVHD, severe",
                  "AGVHD_2_4": "Acute GVHD grade II-IV", "AGVHD_3_4": "Acute GVHD grade III-IV"}
TEST_NAMES = {"mann-whitney": "Wilcoxon rank-sum test", "wilcoxon": "Wilcoxon rank-sum test",
              "chi-square": "Pearson's chi-squared test", "chisq": "Pearson's chi-squared test",
              "fisher": "Fisher's exact test", "kruskal-wallis": "Kruskal-Wallis test"}


@dataclass
class DisplayRow:
    """One printed row: a variable's label row, an indented level row, or a plain row."""

    kind: str
    cells: list[str]


@dataclass
class DisplayTable:
    """A table as the reader sees it (header, rows, footnotes) and as it is downloaded."""

    key: str
    title: str
    header: list[str]
    rows: list[DisplayRow] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    spanners: list[tuple[str, int]] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The rows as a frame (level rows indented by four spaces), for CSV/XLSX."""
        data = [[("    " if r.kind == "level" else "") + r.cells[0], *r.cells[1:]]
                for r in self.rows]
        return pd.DataFrame(data, columns=self.header)


def num(x: object) -> float:
    """A float, NaN for None/NA/text."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return v


def round2(x: float, digits: int) -> float:
    """Round half away from zero, as gtsummary's ``round2`` (Python's round() is to even)."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def style_pvalue(p: float | None) -> str:
    """gtsummary ``style_pvalue(digits = 1)``: >0.9; 0.2-0.9 one decimal; 0.1-0.2 two;
    0.001-0.1 three; <0.001."""
    p = num(p)
    if not np.isfinite(p) or p < 0 or p > 1:
        return "—"
    if p > 0.9:
        return ">0.9"
    if round2(p, 1) >= 0.2:
        return f"{round2(p, 1):.1f}"
    if round2(p, 2) >= 0.1:
        return f"{round2(p, 2):.2f}"
    if p >= 0.001:
        return f"{round2(p, 3):.3f}"
    return "<0.001"


def style_ratio(x: float) -> str:
    """gtsummary ``style_ratio``: 2 decimals below 1, else 2 significant digits + 1."""
    x = num(x)
    if not np.isfinite(x):
        return "—"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def hr_ci(hr: float, lo: float, hi: float) -> str:
    if not all(np.isfinite(num(x)) and num(x) > 0 for x in (hr, lo, hi)):
        return "not estimable"
    return f"{style_ratio(hr)} ({style_ratio(lo)}–{style_ratio(hi)})"


def percent(n: float, d: float) -> str:
    """gtsummary ``style_percent``: no decimals, '<1' for a positive share below 1 %."""
    if not d:
        return "—"
    v = 100.0 * n / d
    return "<1" if 0 < v < 1 else f"{v:.0f}"


def suppress(counts: list[int], min_cell: int) -> list[bool]:
    """Which cells to hide: counts 1 to min_cell - 1 (primary), and, when exactly one cell of a
    group is hidden, the smallest other non-zero cell (complementary suppression), since the
    group total would otherwise reveal it."""
    c = np.asarray(counts, dtype=float)
    hide = (c > 0) & (c < min_cell) if min_cell > 0 else np.zeros(c.size, bool)
    if hide.sum() == 1:
        other = np.flatnonzero(~hide & (c > 0))
        if other.size:
            hide[other[np.argmin(c[other])]] = True
    return hide.tolist()


def _count_cell(n: int, d: int, hidden: bool, min_cell: int) -> str:
    if hidden:
        return f"<{min_cell}" if 0 < n < min_cell else "suppressed"
    return f"{n} ({percent(n, d)}%)"


def _continuous(row: pd.Series, name: str) -> str:
    if not np.isfinite(num(row.get("median"))):
        return "—"
    med = row["median"]
    digits = 0 if name == "salvage_cycles" else 1
    return f"{med:.{digits}f} ({row['min']:.0f}–{row['max']:.0f})"


def summary_columns(t1: pd.DataFrame, variable: str, min_cell: int) -> dict[str, str]:
    """Cells of one variable in one cohort: label row text and level -> cell (incl. Unknown)."""
    sub = t1[t1["variable"] == variable]
    out: dict[str, str] = {}
    if sub.empty or sub["level"].isna().all():
        out["__label__"] = "—"
        return out
    if (sub["level"] == "median (range)").any():
        r = sub.iloc[0]
        out["__label__"] = _continuous(r, variable)
        miss = int(r["missing"] or 0)
        if miss:
            out["Unknown"] = f"<{min_cell}" if 0 < miss < min_cell else str(miss)
        return out
    n = sub["n"].fillna(0).astype(int).tolist()
    miss = int(sub["missing"].fillna(0).iloc[0])
    known = int(sub["n_known"].fillna(0).iloc[0])
    hidden = suppress([*n, miss], min_cell)
    for (level, k, h) in zip(sub["level"], n, hidden[:-1], strict=True):
        out[str(level)] = _count_cell(k, known, h, min_cell)
    if miss:
        out["Unknown"] = (f"<{min_cell}" if 0 < miss < min_cell else "suppressed") \
            if hidden[-1] else str(miss)
    return out


def table1_display(key: str, title: str, cohorts: list[tuple[str, pd.DataFrame, int]],
                   comparison: pd.DataFrame | None, min_cell: int) -> DisplayTable:
    """gtsummary ``tbl_summary(by = arm) |> add_p()``: one column per cohort (``N = n``), a
    label row per variable, indented levels, n (%) of the known, Unknown as its own row."""
    header = ["Characteristic", *[f"{name}, N = {n}" for name, _, n in cohorts]]
    if comparison is not None:
        header.append("p-value")
    table = DisplayTable(key, title, header)
    order = list(dict.fromkeys(cohorts[0][1]["variable"]))
    tests: set[str] = set()
    for var in order:
        cols = [summary_columns(t1, var, min_cell) for _, t1, _ in cohorts]
        p_cell: list[str] = []
        if comparison is not None:
            c = comparison[comparison["variable"] == var]
            p = float(c["p"].iloc[0]) if len(c) and pd.notna(c["p"].iloc[0]) else np.nan
            test = str(c["test"].iloc[0]) if len(c) else ""
            if np.isfinite(p):
                tests.add(TEST_NAMES.get(test.lower(), test))
            p_cell = [style_pvalue(p)]
        label = cohorts[0][1].loc[cohorts[0][1]["variable"] == var, "label"].iloc[0]
        table.rows.append(DisplayRow("label", [str(label), *[c.get("__label__", "")
                                                            for c in cols], *p_cell]))
        levels = list(dict.fromkeys(lv for c in cols for lv in c if lv not in ("__label__",
                                                                            "Unknown")))
        if any("Unknown" in c for c in cols):
            levels.append("Unknown")
        for lv in levels:
            cells = [c.get(lv, "0") for c in cols]
            name = "Unknown" if lv == "Unknown" else level_label(var, _level_value(lv))
            table.rows.append(DisplayRow("level", [name, *cells,
                                                   *([""] if p_cell else [])]))
    table.footnotes.append("n (%) of the patients with the characteristic known; Unknown: "
                           "not recorded. Continuous: median (range).")
    if tests:
        table.footnotes.append("p-values: " + "; ".join(sorted(tests)) + ".")
    if min_cell:
        table.footnotes.append(_disclosure_note(min_cell))
    return table


def _level_value(level: str) -> object:
    return {"True": True, "False": False}.get(level, level)


def _disclosure_note(min_cell: int) -> str:
    return (f"Disclosure control: a count from 1 to {min_cell - 1} is shown as <{min_cell}; "
            f"where a total would reveal it, the next smallest count of the same "
            f"characteristic is suppressed too.")


def estimates_display(oe: pd.DataFrame, cohort: str, title: str) -> DisplayTable:
    """Outcome estimates at 1 and 2 years (% (95 % CI)), aGVHD at day 100, medians."""
    t = DisplayTable("outcomes", title, ["Endpoint", "1 year, % (95% CI)",
                                         "2 years, % (95% CI)", "Patients (events)"])
    oe = oe[oe["cohort"] == cohort]
    for ep in ("OS", "GRFS", "CIR", "NRM", "CGVHD", "CGVHD_SEVERE"):
        d = oe[(oe["endpoint"] == ep) & oe["statistic"].isin(["survival",
                                                               "cumulative_incidence"])]
        if d.empty:
            continue
        cells = [_est_text(d[d["timepoint"] == f"{m} months"]) for m in (12, 24)]
        first = d.iloc[0]
        t.rows.append(DisplayRow("plain", [ENDPOINT_NAMES[ep], *cells,
                                           f"{int(first['n'])} ({int(first['n_events'])})"]))
    for ep in ("AGVHD_2_4", "AGVHD_3_4"):
        d = oe[oe["endpoint"] == ep]
        if len(d):
            t.rows.append(DisplayRow("plain", [f"{ENDPOINT_NAMES[ep]} at day 100",
                                               _est_text(d), "", f"{int(d['n'].iloc[0])} "
                                               f"({int(d['n_events'].iloc[0])})"]))
    for stat, label in (("median_followup", "Median follow-up (reverse Kaplan-Meier)"),):
        d = oe[oe["statistic"] == stat]
        if len(d):
            t.rows.append(DisplayRow("plain", [label, str(d["text"].iloc[0]).replace("-", "–"),
                                               "", ""]))
    t.footnotes.append("Kaplan-Meier (OS, GRFS) with log-scale 95% CI; cumulative incidence "
                       "(CIR, NRM, GVHD) with competing risks and log(-log) 95% CI. Time "
                       "origin: day of the allograft.")
    return t


def _est_text(d: pd.DataFrame) -> str:
    if d.empty or not np.isfinite(num(d["estimate"].iloc[0])):
        return "—"
    e, lo, hi = (100 * num(d[c].iloc[0]) for c in ("estimate", "lower", "upper"))
    ci = f" ({lo:.1f}–{hi:.1f})" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{e:.1f}{ci}"


def table2_display(uni: pd.DataFrame, mv: pd.DataFrame, endpoint: str,
                   min_cell: int = 0) -> DisplayTable:
    """Study Table 2 / gtsummary ``tbl_merge(tbl_uvregression, tbl_regression)``: per
    variable a label row and its levels (the reference level marked), univariable HR (95 % CI)
    and p beside the multivariable model's."""
    t = DisplayTable(f"table2_{endpoint.lower()}",
                     f"Table 2{'abc'[MULTIVARIABLE_ENDPOINTS.index(endpoint)]}: "
                     f"{ENDPOINT_NAMES[endpoint]}",
                     ["Characteristic", "N", "HR (95% CI)", "p-value", "HR (95% CI)",
                      "p-value"], spanners=[("", 2), ("Univariable", 2), ("Multivariable", 2)])
    u = uni[uni["endpoint"] == endpoint]
    m = mv[(mv["endpoint"] == endpoint) & mv["variable"].notna()]
    selected = [v for v in str(mv.loc[mv["endpoint"] == endpoint, "selected_variables"]
                               .fillna("").iloc[0] if (mv["endpoint"] == endpoint).any()
                               else "").split(", ") if v]
    for c in CANDIDATES:
        rows = u[u["variable"] == c.name]
        if rows.empty or rows["level"].isna().all():
            continue
        mrow = m[m["variable"] == c.name]
        in_model = c.name in selected and not mrow.empty
        if c.continuous:
            r = rows.iloc[0]
            mv_cells = ([hr_ci(*mrow.iloc[0][["hr", "lower", "upper"]]),
                         style_pvalue(mrow.iloc[0]["p"])] if in_model else ["", ""])
            t.rows.append(DisplayRow("label", [c.label, str(int(r["n"])),
                                               hr_ci(r["hr"], r["hr_lower"], r["hr_upper"]),
                                               style_pvalue(r["hr_p"]), *mv_cells]))
            continue
        t.rows.append(DisplayRow("label", [c.label, "", "", "", "", ""]))
        ref = rows["reference"].dropna().iloc[0] if rows["reference"].notna().any() else None
        by_level = {str(lv).split(" vs ")[0]: r for _, r in mrow.iterrows()
                    for lv in [r["level"]]}
        rows = rows[rows["level"].notna()]
        hidden = suppress(rows["n"].fillna(0).astype(int).tolist(), min_cell)
        for (_, r), h in zip(rows.iterrows(), hidden, strict=True):
            name = level_label(c.name, r["level"])
            if r["level"] == ref:
                uni_cells = ["Reference", ""]
                mv_cells = ["Reference", ""] if in_model else ["", ""]
            else:
                uni_cells = [hr_ci(r["hr"], r["hr_lower"], r["hr_upper"]),
                             style_pvalue(r["hr_p"])]
                mr = by_level.get(str(r["level"]))
                mv_cells = ([hr_ci(mr["hr"], mr["lower"], mr["upper"]), style_pvalue(mr["p"])]
                            if in_model and mr is not None else ["", ""])
            n_text = (f"<{min_cell}" if int(r["n"]) < min_cell else "suppressed") if h \
                else str(int(r["n"]))
            t.rows.append(DisplayRow("level", [name, n_text, *uni_cells, *mv_cells]))
    model = "cause-specific Cox" if endpoint in ("CIR", "NRM") else "Cox"
    names = ", ".join(variable_label(v) for v in selected) or "none"
    t.footnotes.append(f"HR = hazard ratio ({model} proportional hazards, Efron ties), "
                       f"CI = confidence interval, p = Wald test. Univariable: one model per "
                       f"characteristic. Multivariable: the characteristics with p ≤ 0.05 in "
                       f"the univariable screen ({names}).")
    if min_cell:
        t.footnotes.append(_disclosure_note(min_cell))
    return t


def balance_display(bal: pd.DataFrame, threshold: float = SMD_THRESHOLD) -> DisplayTable:
    """MatchIt ``summary()`` / cobalt ``bal.tab``: means (proportions) per arm and SMD
    before and after matching; |SMD| above the threshold flagged."""
    n_t = int(bal["n_treated"].iloc[0]) if len(bal) else 0
    n_c = int(bal["n_control"].iloc[0]) if len(bal) else 0
    n_p = int(bal["n_pairs"].iloc[0]) if len(bal) else 0
    t = DisplayTable("balance", "Balance of the matched comparison",
                     ["Characteristic", f"AZA/VEN, N = {n_t}", f"IC, N = {n_c}", "SMD",
                      f"AZA/VEN, N = {n_p}", f"IC, N = {n_p}", "SMD", "Balanced"],
                     spanners=[("", 1), ("Before matching", 3), ("After matching", 3),
                               ("", 1)])
    for _, r in bal[bal["variable"].notna()].iterrows():
        name = balance_label(str(r["variable"]))
        binary = ":" in str(r["variable"])
        def f(x: object, binary: bool = binary) -> str:
            x = num(x)
            if not np.isfinite(x):
                return "—"
            return f"{100 * x:.0f}%" if binary else f"{x:.2f}"
        smd_a = num(r["smd_after"])
        ok = "Yes" if np.isfinite(smd_a) and abs(smd_a) <= threshold else (
            "No: |SMD| > 0.1" if np.isfinite(smd_a) else "—")
        t.rows.append(DisplayRow("plain", [name, f(r["mean_treated_before"]),
                                           f(r["mean_control_before"]), f"{num(r['smd_before']):.2f}",
                                           f(r["mean_treated_after"]),
                                           f(r["mean_control_after"]),
                                           f"{smd_a:.2f}" if np.isfinite(smd_a) else "—", ok]))
    t.footnotes.append(f"SMD = standardised mean difference (difference of means or "
                       f"proportions divided by the SD in the AZA/VEN arm before matching, "
                       f"MatchIt's summary); |SMD| ≤ {threshold} counts as balanced. "
                       f"Categorical characteristics: share of each level against the first "
                       f"(reference) level.")
    return t


def balance_label(term: str) -> str:
    """'donor_type: haplo vs MMUD' -> 'Donor: Haploidentical vs Mismatched unrelated (MMUD)'."""
    if ":" not in term:
        return variable_label(term)
    var, rest = term.split(":", 1)
    level, _, ref = rest.strip().partition(" vs ")
    text = f"{variable_label(var)}: {level_label(var, level)}"
    return f"{text} (vs {level_label(var, ref)})" if ref else text


def matched_outcomes_display(mo: pd.DataFrame) -> DisplayTable:
    """Matched comparison: 2-year estimate per arm, HR AZA/VEN vs IC, log-rank/Gray p."""
    t = DisplayTable("matched_outcomes", "Outcomes of the matched pairs",
                     ["Endpoint", "AZA/VEN, 2 years % (95% CI)", "IC, 2 years % (95% CI)",
                      "HR AZA/VEN vs IC (95% CI)", "p-value (test)"])
    for ep in ("OS", "CIR", "NRM", "GRFS"):
        d = mo[(mo["endpoint"] == ep) & (mo["time_months"] == 24.0)]
        if d.empty:
            continue
        arm = {a: d[d["arm"] == a] for a in ("AZA/VEN", "IC")}
        r = d.iloc[0]
        test = "log-rank" if r["test"] == "log-rank" else "Gray"
        t.rows.append(DisplayRow("plain", [ENDPOINT_NAMES[ep], _est_text(arm["AZA/VEN"]),
                                           _est_text(arm["IC"]),
                                           hr_ci(r["hr"], r["hr_lower"], r["hr_upper"]),
                                           f"{style_pvalue(r['test_p'])} ({test})"]))
    t.footnotes.append("HR from a Cox model (cause-specific for CIR and NRM) of the matched "
                       "pairs, IC as reference.")
    return t


def three_group_display(tg: pd.DataFrame) -> DisplayTable:
    """2-year CIR by the pretransplant three-group model, Gray's test."""
    t = DisplayTable("three_group_model", "Cumulative incidence of relapse at 2 years by "
                     "pretransplant risk group", ["Risk group", "Patients (relapses)",
                                                  "2-year CIR, % (95% CI)"])
    for _, r in tg.iterrows():
        cells = _est_text(pd.DataFrame([{"estimate": r["estimate_24m"], "lower": r["lower"],
                                         "upper": r["upper"]}]))
        t.rows.append(DisplayRow("plain", [level_label("pretransplant_risk_group",
                                                       r["risk_group"]),
                                           f"{int(r['n'] or 0)} ({int(r['n_events'] or 0)})"
                                           if pd.notna(r["n_events"]) else "0", cells]))
    if len(tg):
        t.footnotes.append(f"Gray's test p = {style_pvalue(tg['gray_p'].iloc[0])}.")
    return t


def snapshot_display(snap: pd.DataFrame, stale_after_days: int) -> DisplayTable:
    """Centres with their current delivery, status of this refresh and quarantined rows."""
    t = DisplayTable("snapshot", "Deliveries in this snapshot",
                     ["Centre", "Delivery used", "Days old", "This refresh", "Quarantined rows"])
    status_text = {"loaded": "Loaded", "unchanged": "Unchanged", "failed": "Failed",
                   "included": "Included", "missing": "Folder missing"}
    for _, r in snap.iterrows():
        status = status_text.get(str(r["status"]), str(r["status"]).capitalize())
        if r["stale"]:
            status += f"; stale (> {stale_after_days} days)"
        age = "" if pd.isna(r["days_since_delivery"]) else str(int(r["days_since_delivery"]))
        t.rows.append(DisplayRow("plain", [str(r["centre_id"]), str(r["delivery_date"] or "—"),
                                           age, status, str(int(r["rows_quarantined"] or 0))]))
    return t
