"""Thin, degenerate-safe wrappers over `survival_stats` (R survival / cmprsk conventions).

Each wrapper returns plain dicts/frames with NaN and a ``note`` instead of raising, so the
report (Bone Marrow Transplantation 2026 study layout) is built on any snapshot.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

import survival_stats as ss

KM_ENDPOINTS = ("OS", "GRFS")


def is_km(endpoint: str) -> bool:
    """OS and GRFS are Kaplan-Meier endpoints; the others are competing risks (cause 1)."""
    return endpoint in KM_ENDPOINTS


def _arrays(d: pd.DataFrame, time: str = "time_months") -> tuple[np.ndarray, np.ndarray]:
    t = pd.to_numeric(d[time], errors="coerce").to_numpy(dtype=float)
    s = pd.to_numeric(d["status"], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(t) & ~np.isnan(s)
    return t[ok], s[ok].astype(np.int64), ok


def point_estimates(d: pd.DataFrame, endpoint: str, times: list[float],
                    group: str | None = None, time: str = "time_months") -> list[dict]:
    """Per group and time: estimate, se, 95 % CI and n at risk (KM log CI / cmprsk CIF)."""
    t, s, ok = _arrays(d, time)
    g = None if group is None else d[group].to_numpy(dtype=object)[ok].astype(str)
    rows: list[dict] = []
    if t.size == 0:
        return [{"group": "all", "time": x, "n": 0, "n_events": 0, "estimate": np.nan,
                 "se": np.nan, "lower": np.nan, "upper": np.nan, "n_risk": 0,
                 "note": "no patients"} for x in times]
    if is_km(endpoint):
        for c in ss.kaplan_meier(t, (s == 1).astype(int), g):
            a = c.at(times)
            for k, x in enumerate(times):
                rows.append({"group": c.group, "time": x, "n": c.n, "n_events": c.events,
                             "estimate": a["surv"][k], "se": a["se_surv"][k],
                             "lower": a["lower"][k], "upper": a["upper"][k],
                             "n_risk": int(a["n_risk"][k]), "note": None})
    else:
        s1 = np.where(s == 1, 1, np.where(s == 0, 0, 2))
        gl = np.zeros(t.size, object) if g is None else g
        for c in ss.cumulative_incidence(t, s1, g, causes=[1]):
            sel = np.ones(t.size, bool) if g is None else gl == c.group
            a = cif_at(c, times)
            for k, x in enumerate(times):
                est = a["estimate"][k]
                rows.append({"group": c.group, "time": x, "n": c.n,
                             "n_events": int((s1[sel] == 1).sum()), "estimate": est,
                             "se": a["se"][k], "lower": a["lower"][k], "upper": a["upper"][k],
                             "n_risk": int(a["n_risk"][k]),
                             "note": "beyond last follow-up" if np.isnan(est) else None})
    for r in rows:
        if r["n_events"] == 0 and r["note"] is None:
            r["note"] = "no events"
    return rows


def cif_at(curve: ss.CIFCurve, times) -> dict[str, np.ndarray]:
    """``CIFCurve.at`` as a plain dict (estimate, se, log(-log) CI, n_risk)."""
    return dict(curve.at(times))


def group_test(d: pd.DataFrame, endpoint: str, group: str) -> tuple[str, float, str | None]:
    """Log-rank (KM endpoints) or Gray's test rho = 0 (competing endpoints) across groups."""
    t, s, ok = _arrays(d)
    g = d[group].to_numpy(dtype=object)[ok].astype(str)
    name = "log-rank" if is_km(endpoint) else "Gray"
    if np.unique(g).size < 2:
        return name, np.nan, "fewer than two groups"
    if not (s == 1).any():
        return name, np.nan, "no events"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if is_km(endpoint):
                p = ss.logrank_test(t, (s == 1).astype(int), g).p
            else:
                p = ss.gray_test(t, np.where(s > 2, 2, s), g, cause=1)[0].p
        return name, float(p), None if np.isfinite(p) else "test not computable"
    except (ValueError, IndexError, np.linalg.LinAlgError) as exc:
        return name, np.nan, f"test failed: {exc}"


def valid_references(d: pd.DataFrame, variables: list[str],
                     reference: dict[str, object]) -> tuple[list[str], dict[str, object], str]:
    """Variables with >= 2 observed levels (or numeric variation) and present references."""
    keep, refs, dropped = [], {}, []
    for v in variables:
        col = d[v]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            if col.nunique() > 1:
                keep.append(v)
            else:
                dropped.append(v)
            continue
        counts = col.value_counts()
        if counts.size < 2:
            dropped.append(v)
            continue
        keep.append(v)
        ref = reference.get(v)
        refs[v] = ref if ref in counts.index else counts.index[0]
    note = f"not estimable (one level): {', '.join(dropped)}" if dropped else ""
    return keep, refs, note


def cox_table(d: pd.DataFrame, endpoint: str, variables: list[str],
              reference: dict[str, object]) -> tuple[pd.DataFrame, str | None]:
    """Cox (Efron) for KM endpoints, cause-specific Cox (cause 1) otherwise; Table 2 rows.

    Every complete row is used (survival_stats' own Cox fit handles a million rows).
    """
    frame = d[["time_months", "status", *variables]].copy()
    frame["status"] = pd.to_numeric(frame["status"], errors="coerce")
    frame = frame.dropna()
    for v in variables:
        if not (pd.api.types.is_numeric_dtype(frame[v]) and not
                pd.api.types.is_bool_dtype(frame[v])):
            frame[v] = frame[v].astype(str)
    keep, refs, note = valid_references(frame, variables, reference)
    if not keep:
        return pd.DataFrame(), note or "no estimable variable"
    if int((frame["status"] == 1).sum()) == 0:
        return pd.DataFrame(), "no events"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if is_km(endpoint):
                frame["event"] = (frame["status"] == 1).astype(int)
                res = ss.cox_ph(frame, "time_months", "event", keep, refs)
            else:
                res = ss.cause_specific_cox(frame, "time_months", "status", 1, keep, refs)
        tab = res.table()
        tab["n_dropped_missing"] = len(d) - len(frame) + tab["n_dropped_missing"]
        return tab, note or None
    except Exception as exc:  # noqa: BLE001 - lifelines raises several convergence errors
        msg = re.sub(r"\s+", " ", re.sub(r"https?://\S+", "", str(exc)))
        return pd.DataFrame(), f"Cox model failed: {type(exc).__name__}: {msg}"[:160]
