"""The plotted step functions (with CI, censoring and number at risk) of every figure.

KM as R survival::survfit (log CI), cumulative incidence as cmprsk::cuminc (log(-log) CI).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import survival_stats as ss
from outcome_report import estimates as est
from outcome_report.schema import FIGURES, RISK_TICKS, frame


# ----------------------------------------------------------------------------- curves
def curves(af: pd.DataFrame, matched_ep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every plotted step function (CI, n at risk, censored at each time, the figure's log-rank
    or Gray p) and the number-at-risk tables under the figures."""
    parts, risk = [], []
    for fig, (_, ep, pop, group) in FIGURES.items():
        src = matched_ep if pop == "matched" else af
        d = src[src["endpoint"] == ep]
        if group is not None:
            d = d[d[group].notna()]
        t, s, ok = est._arrays(d)
        if t.size == 0:
            continue
        g = None if group is None else d[group].to_numpy(dtype=object)[ok].astype(str)
        start = len(parts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if est.is_km(ep):
                for c in ss.kaplan_meier(t, (s == 1).astype(int), g):
                    parts.append(pd.DataFrame({
                        "figure": fig, "endpoint": ep, "group": str(c.group),
                        "time_months": np.r_[0.0, c.time], "estimate": np.r_[1.0, c.surv],
                        "lower": np.r_[1.0, c.lower], "upper": np.r_[1.0, c.upper],
                        "n_risk": np.r_[c.n, c.n_risk], "n_censor": np.r_[0, c.n_censor]}))
                    risk.append(pd.DataFrame({"figure": fig, "group": str(c.group),
                                              "time_months": RISK_TICKS,
                                              "n_risk": c.at(RISK_TICKS)["n_risk"]}))
            else:
                s1 = np.where(s == 1, 1, np.where(s == 0, 0, 2))
                for c in ss.cumulative_incidence(t, s1, g, causes=[1]):
                    a = est.cif_at(c, c.risk_time)
                    sel = np.ones(t.size, bool) if g is None else g == str(c.group)
                    censored = np.bincount(np.searchsorted(c.risk_time, t[sel & (s1 == 0)]),
                                           minlength=c.risk_time.size)[:c.risk_time.size]
                    parts.append(pd.DataFrame({
                        "figure": fig, "endpoint": ep, "group": str(c.group),
                        "time_months": np.r_[0.0, a["time"]], "estimate": np.r_[0.0, a["estimate"]],
                        "lower": np.r_[0.0, a["lower"]], "upper": np.r_[0.0, a["upper"]],
                        "n_risk": np.r_[c.n, a["n_risk"]], "n_censor": np.r_[0, censored]}))
                    risk.append(pd.DataFrame({"figure": fig, "group": str(c.group),
                                              "time_months": RISK_TICKS,
                                              "n_risk": c.at(RISK_TICKS)["n_risk"]}))
        if group is not None:
            test, p, _ = est.group_test(d, ep, group)
            for part in parts[start:]:
                part["test"], part["test_p"] = test, p
    cv = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    nr = pd.concat(risk, ignore_index=True) if risk else pd.DataFrame()
    return frame(cv, "curves"), frame(nr, "number_at_risk")


