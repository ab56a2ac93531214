"""Transplant characteristics and what follows: relapse, NRM, GVHD, death, censoring.

Event times come from cause-specific Weibull hazards with covariate effects (Putter, Fiocco &
Geskus 2007, Stat Med 26:2389) and administrative censoring at the export date; parameters
in :mod:`synthetic_registry.calibration`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic_registry.calibration import (
    HAPLO_AS_RELATED,
    HLA_TEXT,
    HR_NRM_HCTCI3,
    HR_NRM_NO_C1,
    HR_REL_MRD_POS,
    HR_REL_NO_C1,
    HR_REL_REFRACTORY,
    NRM_SCALE,
    NRM_SHAPE,
    P_AGVHD,
    P_CGVHD,
    P_CGVHD_SEVERITY,
    POST_RELAPSE_MEDIAN,
    REGIMENS,
    REL_SCALE,
    REL_SHAPE,
    T_CMV,
    T_DONOR,
    T_HCTCI,
    T_INTENSITY,
    T_PROPH_NONHAPLO,
)
from synthetic_registry.sampling import choice, quota, weibull


def transplant_features(rng: np.random.Generator, P: dict, n: int, cal: np.ndarray,
                         groups: dict[str, np.ndarray], forms: np.random.Generator) -> None:
    donor = choice(rng, n, {"MSD": 20, "MUD": 40, "MMUD": 8, "haplo": 22, "cord": 3,
                            "matched_related_other": 2})
    donor[cal] = quota(rng, len(cal), T_DONOR)
    relation = {"MSD": "sibling", "matched_related_other": "other_related", "MUD": "unrelated",
                "MMUD": "unrelated", "haplo": "haploidentical", "cord": "cord"}
    hla = np.empty(n, dtype=object)
    rel = np.empty(n, dtype=object)
    for kind, texts in HLA_TEXT.items():
        m = donor == kind
        rel[m] = relation[kind]
        # MUD, MMUD, haplo and cord keep their one draw each from the truth's stream (in
        # that order, as before); the fixed-text kinds draw their written form from `forms`
        hla[m] = choice(forms if kind in ("MSD", "matched_related_other") else rng,
                        int(m.sum()), texts)
    # written forms: some haplo donors as a related donor matched at half the loci
    as_related = (donor == "haplo") & (forms.random(n) < HAPLO_AS_RELATED)
    rel[as_related] = np.where(forms.random(int(as_related.sum())) < 0.7, "other_related",
                               "sibling")
    hla[as_related] = np.where(forms.random(int(as_related.sum())) < 0.8, "5/10", "4/8")
    source = choice(rng, n, {"PB": 96, "BM": 4})
    source[cal] = quota(rng, len(cal), {"PB": 73, "BM": 2})
    source[donor == "cord"] = "CB"
    intensity = choice(rng, n, {"RIC": 60, "MAC": 20, "sequential": 16, "NMA": 4})
    intensity[groups["ic"]] = choice(rng, len(groups["ic"]),
                                     {"RIC": 52, "MAC": 26, "sequential": 20, "NMA": 2})
    intensity[cal] = quota(rng, len(cal), T_INTENSITY)
    regimen = np.empty(n, dtype=object)
    for k, w in REGIMENS.items():
        m = intensity == k
        regimen[m] = choice(rng, int(m.sum()), w)
    reported = intensity.copy()
    reported[intensity == "NMA"] = "RIC"          # FLU-TBI2 is often reported as RIC
    u = rng.random(n)
    reported[u < 0.03] = None
    wrong = (u >= 0.03) & (u < 0.05) & (intensity == "RIC")
    reported[wrong] = "MAC"
    haplo = donor == "haplo"
    proph = choice(rng, n, {"CSA": 25, "CSA+MMF": 40, "CSA+MTX": 20, "TAC+MMF": 15})
    proph[haplo] = "CSA+MMF"
    nh = np.intersect1d(cal, np.flatnonzero(~haplo))
    proph[nh] = quota(rng, len(nh), T_PROPH_NONHAPLO)
    ptcy = haplo | ((donor == "MMUD") & (rng.random(n) < 0.3))
    atg = ~ptcy & np.where(np.isin(donor, ["MUD", "MMUD", "cord"]), rng.random(n) < 0.85,
                           rng.random(n) < 0.3)
    cmv = choice(rng, n, T_CMV)
    cmv[cal] = quota(rng, len(cal), T_CMV)
    hctci = choice(rng, n, {0: 45, 1: 20, 2: 15, 3: 10, 4: 6, 5: 4}).astype(int)
    hctci[cal] = quota(rng, len(cal), T_HCTCI).astype(int)
    P.update(donor_type=donor, donor_relation=rel, hla_match=hla, stem_cell_source=source,
             intensity=intensity, conditioning_regimen=regimen, intensity_reported=reported,
             atg=atg, ptcy=ptcy, gvhd_prophylaxis=proph,
             donor_cmv=np.where(np.char.startswith(cmv.astype(str), "D+"), "positive",
                                "negative"),
             recipient_cmv=np.where(np.char.endswith(cmv.astype(str), "R+"), "positive",
                                    "negative"),
             cmv_pair=cmv, hct_ci=hctci)


def post_transplant_outcome(rng: np.random.Generator, pat: pd.DataFrame, cut: np.ndarray) -> None:
    """Relapse, NRM, GVHD and death after the allograft, censored at the export date."""
    n = len(pat)
    tx = pat["transplanted"].to_numpy()
    no_c1 = ~pat["c1_crc"].to_numpy()
    mrd_pos = (pat["mrd_pre_hsct"] == "positive").to_numpy()
    refr = (~pat["pre_hsct_crc"].to_numpy()) & tx
    hctci3 = pat["hct_ci"].to_numpy() >= 3
    age = np.nan_to_num(pat["age_at_hsct"].to_numpy(), nan=58.0)
    ic = (pat["cohort"] == "ic").to_numpy()
    lp_rel = (np.log(HR_REL_NO_C1) * no_c1 + np.log(HR_REL_MRD_POS) * mrd_pos
              + np.log(HR_REL_REFRACTORY) * refr + np.log(1.25) * ic)
    lp_nrm = (np.log(HR_NRM_NO_C1) * no_c1 + np.log(HR_NRM_HCTCI3) * hctci3
              + 0.025 * (age - 58) + np.log(1.4) * ic)
    t_rel = weibull(rng, REL_SCALE * np.exp(lp_rel), REL_SHAPE)
    t_nrm = weibull(rng, NRM_SCALE * np.exp(lp_nrm), NRM_SHAPE)
    # acute GVHD: grade and onset (mostly before day 100, a few late-onset)
    u = rng.random(n)
    grade = np.zeros(n, int)
    acc = 0.0
    for g, p in P_AGVHD.items():
        grade[(u >= acc) & (u < acc + p)] = g
        acc += p
    a_on = np.where(rng.random(n) < 0.07, rng.uniform(101, 180, n),
                    np.clip(8 + rng.gamma(2.2, 13.0, n), 8, 99))
    a_on = np.floor(a_on)
    # chronic GVHD
    has_c = rng.random(n) < P_CGVHD
    sev = choice(rng, n, P_CGVHD_SEVERITY)
    c_on = np.floor(100 + rng.gamma(1.6, 80.0, n))
    # GVHD-related deaths
    severe_a = grade >= 3
    gv = severe_a & (rng.random(n) < 0.7)
    t_gv = a_on + rng.exponential(70.0, n)
    sc = has_c & (sev == "severe") & (rng.random(n) < 0.6)
    t_gc = c_on + rng.exponential(150.0, n)
    gvhd_death = np.full(n, np.inf)
    gvhd_death[gv] = t_gv[gv]
    gvhd_death[sc] = np.minimum(gvhd_death[sc], t_gc[sc])
    nrm_cause = choice(rng, n, {"infection": 45, "toxicity": 25, "other": 15,
                                "secondary_malignancy": 5, "gvhd": 10})
    nrm_cause[(nrm_cause == "secondary_malignancy") & (t_nrm < 365)] = "infection"
    use_gv = gvhd_death < t_nrm
    t_nrm = np.where(use_gv, gvhd_death, t_nrm)
    nrm_cause[use_gv] = "gvhd"
    relapse_first = t_rel < t_nrm
    rel_type = np.where(rng.random(n) < 0.2, "molecular", "haematological")
    post = rng.exponential(POST_RELAPSE_MEDIAN / np.log(2), n)
    post = np.where(rel_type == "molecular", post * 2.5 + 60, post + 5)
    t_death = np.where(relapse_first, t_rel + post, t_nrm)
    cause = np.where(relapse_first, "relapse", nrm_cause)
    # censoring: export date (minus the reporting lag) or loss to follow-up
    hsct = pat["hsct_date"].to_numpy()
    c_adm = np.nan_to_num(cut - rng.integers(0, 60, n) - hsct, nan=400.0)
    lost = rng.random(n) < 0.04
    c = np.where(lost, rng.uniform(30, np.maximum(c_adm, 31)), c_adm)
    c = np.floor(np.maximum(c, 1))
    t_rel, t_death = np.floor(t_rel) + 1, np.floor(t_death) + 1
    dead = t_death <= c
    rel_obs = relapse_first & (t_rel <= c)
    last = np.where(dead, t_death, c)
    f = np.where(tx, 1.0, np.nan)
    pat["t_relapse"] = np.where(rel_obs, t_rel, np.nan) * f
    pat["relapse_type"] = np.where(rel_obs & tx, rel_type, None)
    pat["t_death"] = np.where(dead, t_death, np.nan) * f
    pat["death_cause"] = np.where(dead & tx, cause, None)
    pat["t_last"] = last * f
    end = np.where(dead, t_death, c)
    a_obs = tx & (grade > 0) & (a_on < end)
    pat["agvhd_grade"] = np.where(a_obs, grade, 0)
    pat["agvhd_day"] = np.where(a_obs, a_on, np.nan)
    c_obs = tx & has_c & (c_on < end)
    pat["cgvhd"] = np.where(c_obs, sev, None)
    pat["cgvhd_day"] = np.where(c_obs, c_on, np.nan)
    pat["chimerism_d30"] = np.where(
        tx & (end > 30), np.round(np.where(rng.random(n) < 0.15, rng.uniform(5, 40, n),
                                           rng.uniform(0, 4.5, n)), 1), np.nan)
    pat["chimerism_d90"] = np.where(
        tx & (end > 90), np.round(np.where(rng.random(n) < 0.12, rng.uniform(1, 30, n),
                                           np.where(rng.random(n) < 0.7, 0.0,
                                                    rng.uniform(0, 0.9, n))), 1), np.nan)


def non_transplant_outcome(rng: np.random.Generator, pat: pd.DataFrame, cut: np.ndarray) -> None:
    """Death or last contact of patients who were never transplanted (from salvage start)."""
    n = len(pat)
    notx = ~pat["transplanted"].to_numpy()
    start = pat["salvage_start"].to_numpy()
    front = (pat["setting"] == "frontline").to_numpy()
    med = np.where(front, 330.0, 200.0) * np.where(pat["crc_ever"].to_numpy(), 1.8, 1.0)
    t = np.floor(rng.exponential(med / np.log(2), n)) + 1
    end_line = (pat["cycles"] * pat["cycle_len"]).to_numpy()
    t = np.maximum(t, end_line + 5)
    c = np.floor(cut - rng.integers(0, 21, n) - start)
    dead = t <= c
    f = np.where(notx, 1.0, np.nan)
    pat.loc[notx, "t_death"] = (np.where(dead, t, np.nan) * f)[notx]
    pat.loc[notx, "t_last"] = (np.where(dead, t, c) * f)[notx]
    cause = choice(rng, n, {"relapse": 75, "infection": 18, "other": 7})
    pat.loc[notx, "death_cause"] = np.where(dead, cause, None)[notx]
