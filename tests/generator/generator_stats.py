"""Small, self-contained Kaplan-Meier / cumulative-incidence estimators for the generator tests."""

from __future__ import annotations

import numpy as np


def km_at(time: np.ndarray, event: np.ndarray, t: float) -> float:
    """Kaplan-Meier survival at time t (event: 1 = event, 0 = censored)."""
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    s = 1.0
    n = len(time)
    uniq, idx = np.unique(time, return_index=True)
    at_risk = n - idx
    deaths = np.add.reduceat(event, idx)
    for u, r, d in zip(uniq, at_risk, deaths, strict=True):
        if u > t:
            break
        if d:
            s *= 1 - d / r
    return s


def cif_at(time: np.ndarray, status: np.ndarray, t: float, cause: int = 1) -> float:
    """Aalen-Johansen cumulative incidence of ``cause`` at t (status 0 = censored)."""
    order = np.argsort(time, kind="stable")
    time, status = time[order], status[order]
    uniq, idx = np.unique(time, return_index=True)
    at_risk = len(time) - idx
    any_ev = np.add.reduceat((status > 0).astype(float), idx)
    this = np.add.reduceat((status == cause).astype(float), idx)
    s, cif = 1.0, 0.0
    for u, r, d_all, d in zip(uniq, at_risk, any_ev, this, strict=True):
        if u > t:
            break
        cif += s * d / r
        s *= 1 - d_all / r
    return cif


def reverse_km_median(time: np.ndarray, event: np.ndarray) -> float:
    """Median follow-up by the reverse Kaplan-Meier method (censoring is the event)."""
    rev = 1 - event
    order = np.argsort(time, kind="stable")
    time, rev = time[order], rev[order]
    uniq, idx = np.unique(time, return_index=True)
    at_risk = len(time) - idx
    ev = np.add.reduceat(rev, idx)
    s = 1.0
    for u, r, d in zip(uniq, at_risk, ev, strict=True):
        if d:
            s *= 1 - d / r
        if s <= 0.5:
            return float(u)
    return float("nan")


def endpoints(p, horizon: float = 730.5) -> dict[str, float]:
    """2-year OS, CIR, NRM, GRFS, day-100 aGVHD and 2-year cGVHD from the truth frame."""
    t_last = p["t_last"].to_numpy()
    dead = ~np.isnan(p["t_death"].to_numpy())
    rel = ~np.isnan(p["t_relapse"].to_numpy())
    t_rel = p["t_relapse"].to_numpy()
    os_ = km_at(t_last, dead.astype(float), horizon)
    t_first = np.where(rel, t_rel, t_last)
    st = np.where(rel, 1, np.where(dead, 2, 0))
    cir = cif_at(t_first, st, horizon, 1)
    nrm = cif_at(t_first, st, horizon, 2)
    a_day = p["agvhd_day"].to_numpy()
    grade = p["agvhd_grade"].to_numpy()
    c_day = p["cgvhd_day"].to_numpy()
    sev_c = p["cgvhd"].isin(["severe", "extensive"]).to_numpy()
    out = {"os_2y": os_, "cir_2y": cir, "nrm_2y": nrm}
    for name, mask, h in (("agvhd24_d100", (grade >= 2) & (a_day <= 100), 100.0),
                          ("agvhd34_d100", (grade >= 3) & (a_day <= 100), 100.0),
                          ("cgvhd_2y", ~np.isnan(c_day), horizon),
                          ("cgvhd_severe_2y", sev_c, horizon)):
        day_ = np.where(name.startswith("a"), a_day, c_day)
        has = mask & (day_ < t_first)
        tt = np.where(has, day_, t_first)
        s2 = np.where(has, 1, np.where(rel | dead, 2, 0))
        out[name] = cif_at(tt, s2, h, 1)
    g3 = (grade >= 3) & (a_day <= 100)
    tg = np.fmin(np.where(g3, a_day, np.inf), np.where(sev_c, c_day, np.inf))
    tg = np.fmin(tg, t_first)
    ev = (tg < t_first) | rel | dead
    out["grfs_2y"] = km_at(np.where(ev, tg, t_last), ev.astype(float), horizon)
    out["median_fu_months"] = reverse_km_median(t_last, dead.astype(float)) / 30.4375
    return out
