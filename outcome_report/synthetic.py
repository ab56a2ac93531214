"""Vectorised synthetic `analysis.patients` / `analysis.endpoints` frames with known hazards.

For tests and benchmarks of the outcome report only (not the registry's generator): marginals
loosely follow the study's published cohort (Bone Marrow Transplantation 2026); event times are
exponential (relapse, NRM, GVHD) with uniform administrative censoring, so the true curves are
known in closed form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTH_DAYS = 30.4375
ENDPOINT_NAMES = ("OS", "CIR", "NRM", "GRFS", "AGVHD_2_4", "AGVHD_3_4", "CGVHD", "CGVHD_SEVERE")


def _choice(rng: np.random.Generator, levels: list, p: list[float], n: int) -> np.ndarray:
    p_arr = np.asarray(p, float)
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=p_arr / p_arr.sum())]


def simulate_registry(
    n_azaven_tx: int = 75, n_ic_tx: int = 80, n_other: int = 300, seed: int = 1,
    relapse_rate: float = 0.018, nrm_rate: float = 0.005, c1_hr: float = 3.0,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Simulate (patients, endpoints, snapshot) in the analysis-layer layout.

    Rates are monthly exponential hazards; patients without a C1 response relapse with hazard
    ``relapse_rate * c1_hr``. ``n_other`` patients are non-transplanted R/R, frontline or other.
    """
    rng = np.random.default_rng(seed)
    n_tx = n_azaven_tx + n_ic_tx
    n = n_tx + n_other
    cohort = np.r_[np.full(n_azaven_tx, "azaven_rr"), np.full(n_ic_tx, "ic_comparator"),
                   _choice(rng, ["azaven_rr", "azaven_frontline", "other"], [0.5, 0.3, 0.2],
                           n_other)].astype(object)
    transplanted = np.r_[np.ones(n_tx, bool), np.zeros(n_other, bool)]
    centres = np.array([f"C{i:02d}" for i in range(1, 13)], dtype=object)
    centre = centres[rng.integers(0, 12, n)]
    centre[cohort == "ic_comparator"] = "C12"
    az = cohort == "azaven_rr"
    setting = np.where(az, _choice(rng, ["post_ic", "post_hma", "molecular_relapse"],
                                   [240, 29, 36], n), None)
    age_dx = np.clip(rng.normal(57, 11, n), 18, 75)
    c1 = rng.random(n) < 0.73
    late = ~c1 & (rng.random(n) < 0.8)
    crc = c1 | late
    timing = np.where(c1, "early", np.where(late, "late", "none")).astype(object)
    pre = np.where(crc, "CRc", "refractory").astype(object)
    mrd = np.where(crc, _choice(rng, ["negative", "positive", "not_done"], [46, 20, 5], n),
                   "not_applicable").astype(object)
    risk = np.where(
        ~crc, None,
        np.where(c1 & (mrd == "negative"), "early_mrd_negative",
                 np.where(~c1 & (mrd == "positive"), "late_mrd_positive", "intermediate")),
    ).astype(object)
    hct_ci = rng.choice([0, 1, 2, 3, 4], size=n, p=[0.55, 0.21, 0.15, 0.06, 0.03])
    hct_group = np.where(hct_ci >= 3, ">=3", hct_ci.astype(str)).astype(object)
    donor = _choice(rng, ["MSD", "MUD", "MMUD", "haplo"], [12, 38, 5, 20], n)
    atg = rng.random(n) < 0.5
    ptcy = (donor == "haplo") | (rng.random(n) < 0.1)
    hsct = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), "D")

    # Competing relapse / NRM in months; death after relapse; administrative censoring.
    rr = relapse_rate * np.where(c1, 1.0, c1_hr) * np.where(mrd == "positive", 1.5, 1.0)
    t_rel = rng.exponential(1 / rr)
    t_nrm = rng.exponential(1 / nrm_rate, n)
    t_cens = rng.uniform(3, 48, n)
    t_death_rel = t_rel + rng.exponential(8.0, n)
    t_a24 = np.where(rng.random(n) < 0.14, rng.uniform(0.3, 3.2, n), np.inf)
    t_a34 = np.where(np.isfinite(t_a24) & (rng.random(n) < 0.5), t_a24 + 0.1, np.inf)
    t_cg = np.where(rng.random(n) < 0.3, rng.uniform(3.5, 30, n), np.inf)
    t_cgs = np.where(np.isfinite(t_cg) & (rng.random(n) < 0.25), t_cg + 1.0, np.inf)
    # Work in whole days, as the analysis layer does.
    d = {k: np.ceil(np.minimum(v, 1e5) * MONTH_DAYS) for k, v in {
        "rel": t_rel, "nrm": t_nrm, "cens": t_cens, "drel": t_death_rel, "a24": t_a24,
        "a34": t_a34, "cg": t_cg, "cgs": t_cgs}.items()}
    relapse_seen = d["rel"] <= np.minimum(d["nrm"], d["cens"])
    death_day = np.where(relapse_seen, d["drel"], d["nrm"])
    died = death_day <= d["cens"]
    last = np.where(died, death_day, d["cens"])

    days = lambda k: pd.to_timedelta(np.where(d[k] <= last, d[k], np.nan), "D")  # noqa: E731
    patients = pd.DataFrame({
        "patient_key": [f"P{i:07d}" for i in range(n)], "centre_id": centre, "cohort": cohort,
        "salvage_setting": setting, "age_at_diagnosis": np.round(age_dx, 1),
        "age_at_hsct": np.round(age_dx + rng.uniform(0.3, 1.5, n), 1),
        "sex": _choice(rng, ["female", "male"], [36, 39], n),
        "aml_type": _choice(rng, ["de_novo", "secondary", "therapy_related"], [6, 3, 1], n),
        "eln2022": _choice(rng, ["favorable", "intermediate", "adverse", "unknown"],
                           [9, 19, 45, 2], n),
        "eln2022_reported": None,
        "adverse_cytogenetics": rng.random(n) < 0.29, "complex_karyotype": rng.random(n) < 0.24,
        "monosomal_karyotype": rng.random(n) < 0.1,
        "eln2024": _choice(rng, ["favorable", "intermediate", "adverse", "unknown"],
                           [46, 15, 12, 2], n),
        "eln2024_reported": None, "eln2024_applicable": setting != "post_hma",
        "lines_before_salvage": pd.array(rng.choice([1, 2], n, p=[58 / 75, 17 / 75]),
                                         dtype="Int64"),
        "status_before_salvage": np.where(setting == "molecular_relapse", "molecular_relapse",
                                          _choice(rng, ["refractory", "relapse"], [35, 32], n)),
        "salvage_regimen": np.where(az, "AZA+VEN", "IC"), "salvage_regimen_class": None,
        "salvage_cycles": pd.array(rng.integers(1, 7, n), dtype="Int64"),
        "prior_hma": pd.array(setting == "post_hma", dtype="boolean"),
        "c1_response": pd.array(c1, dtype="boolean"), "crc_ever": pd.array(crc, dtype="boolean"),
        "response_timing": timing, "best_response": np.where(crc, "CR", "NR"),
        "pre_hsct_status": pre, "mrd_pre_hsct": mrd, "mrd_methods": None,
        "pretransplant_risk_group": risk, "transplanted": transplanted, "donor_type": donor,
        "hla_match": None, "hct_ci": pd.array(hct_ci, dtype="Int64"), "hct_ci_group": hct_group,
        "conditioning_regimen": None,
        "conditioning_intensity": _choice(rng, ["RIC", "MAC", "sequential"], [53, 9, 13], n),
        "conditioning_intensity_reported": None,
        "gvhd_prophylaxis": _choice(rng, ["CSA", "CSA+MMF", "CSA+MTX"], [21, 42, 12], n),
        "stem_cell_source": _choice(rng, ["PB", "BM", "CB"], [94.8, 2.6, 2.6], n),
        "cmv_pair": _choice(rng, ["D-/R-", "D-/R+", "D+/R-", "D+/R+"], [28, 29.3, 9.3, 33.4], n),
        "atg": pd.array(atg, dtype="boolean"), "ptcy": pd.array(ptcy, dtype="boolean"),
        "in_vivo_tcd": pd.array(atg | ptcy, dtype="boolean"),
        "mixed_chimerism_d30": pd.array(rng.random(n) < 0.1, dtype="boolean"),
        "partial_chimerism_d90": pd.array(rng.random(n) < 0.1, dtype="boolean"),
        "agvhd_max_grade": pd.array(np.where(np.isfinite(t_a34), 3,
                                             np.where(np.isfinite(t_a24), 2, 0)), dtype="Int64"),
        "vital_status": np.where(died, "dead", "alive"), "death_cause": None,
        "relapse_type": np.where(relapse_seen, "haematological", None),
        "diagnosis_date": hsct - pd.to_timedelta(365, "D"),
        "salvage_start_date": hsct - pd.to_timedelta(120, "D"), "hsct_date": hsct,
        "agvhd_2_4_date": hsct + days("a24"), "agvhd_3_4_date": hsct + days("a34"),
        "cgvhd_date": hsct + days("cg"), "cgvhd_severe_date": hsct + days("cgs"),
        "relapse_date": hsct + days("rel"),
        "death_date": hsct + pd.to_timedelta(np.where(died, death_day, np.nan), "D"),
        "last_contact_date": hsct + pd.to_timedelta(last, "D"),
    })
    ntx = patients["transplanted"].to_numpy()
    patients.loc[~ntx, ["hsct_date", "donor_type", "pre_hsct_status"]] = None

    # Endpoints (transplanted only): (time, status) per endpoint.
    tx = np.flatnonzero(ntx)
    rel_ev = relapse_seen & (d["rel"] <= last)
    nrm_ev = died & ~relapse_seen
    first_cr = np.minimum(d["rel"], np.where(nrm_ev, death_day, np.inf))

    def competing(t_ev: np.ndarray, horizon: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        ev = (t_ev <= np.minimum(last, horizon)) & (t_ev <= first_cr)
        comp = ~ev & (first_cr <= np.minimum(last, horizon))
        time = np.where(ev, t_ev, np.where(comp, first_cr, last))
        return time, np.where(ev, 1, np.where(comp, 2, 0))

    grfs_t = np.minimum.reduce([d["a34"], d["cgs"], d["rel"], death_day])
    grfs_ev = grfs_t <= last
    spec = {
        "OS": (last, died.astype(int)),
        "CIR": (np.where(rel_ev, d["rel"], last), np.where(rel_ev, 1, np.where(nrm_ev, 2, 0))),
        "NRM": (np.where(rel_ev, d["rel"], last), np.where(nrm_ev, 1, np.where(rel_ev, 2, 0))),
        "GRFS": (np.where(grfs_ev, grfs_t, last), grfs_ev.astype(int)),
        "AGVHD_2_4": competing(d["a24"], 100), "AGVHD_3_4": competing(d["a34"], 100),
        "CGVHD": competing(d["cg"]), "CGVHD_SEVERE": competing(d["cgs"]),
    }
    frames = []
    labels = np.array(["censored", "event", "competing"], dtype=object)
    for name in ENDPOINT_NAMES:
        t, s = spec[name]
        t, s = t[tx].astype(np.int64), s[tx].astype(np.int32)
        frames.append(pd.DataFrame({
            "patient_key": patients["patient_key"].to_numpy()[tx],
            "centre_id": centre[tx], "cohort": cohort[tx], "endpoint": name,
            "origin_date": hsct[tx], "event_date": hsct[tx] + pd.to_timedelta(t, "D"),
            "time_days": t, "time_months": t / MONTH_DAYS, "status": s,
            "status_label": labels[s], "event_source": "synthetic",
        }))
    endpoints = pd.concat(frames, ignore_index=True)
    snapshot = {
        "refresh_id": f"synthetic-{seed}", "code_version": "0.1.0-test",
        "deliveries": {c: "2026-01-15" for c in centres},
        "generated_at": "2026-01-20T10:00:00Z",
    }
    return patients, endpoints, snapshot
