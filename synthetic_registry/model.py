"""The simulated truth: one frame of patients (every latent variable) and the canonical tables.

Calibrated to Bone Marrow Transplantation 2026 (AURAML/VENAURA), see outcomes.md "Calibration targets".
All dates are float days since 1970-01-01 (NaN = none). Categorical variables of the
transplanted AZA/VEN R/R group are drawn by quota (largest-remainder rounding, then a random
permutation), so the default registry has the study's exact counts and every chunk of the
scale mode has the study's proportions; event times come from cause-specific Weibull hazards
with covariate effects and administrative censoring at the export date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta as beta_dist

from synthetic_registry.centres import CENTRES, Centre
from synthetic_registry.genetics import ARCHETYPES, draw_genetics

EPOCH = np.datetime64("1970-01-01", "D")
YEAR = 365.25


def day(iso: str) -> float:
    """ISO date -> float days since 1970-01-01."""
    return float((np.datetime64(iso, "D") - EPOCH).astype(np.int64))


# ------------------------------------------------------------------ registry composition
#: AZA/VEN registry by salvage setting (study: 592 = 287 frontline + 240 post-IC + 29
#: post-HMA + 36 molecular relapse) and transplanted counts per setting (75 R/R + frontline).
SETTINGS = {"frontline": 287, "post_ic": 240, "post_hma": 29, "molecular_relapse": 36}
TRANSPLANTED = {"frontline": 15, "post_ic": 60, "post_hma": 7, "molecular_relapse": 8}
IC_PATIENTS = 80
#: The IC comparator is one centre's IC-salvaged transplanted R/R patients over 2006-2021: a
#: pool of several hundred from which the study pair-matched 75 (outcomes.md). The default
#: registry simulates IC_PATIENTS of them together with the AZA/VEN patients (that random
#: stream, and so the AZA/VEN cohort's calibration, stays as chosen) and IC_EXTRA_POOL more in
#: a chunk of their own (:func:`ic_pool_chunk`).
IC_EXTRA_POOL = 400
IC_POOL_SEED_KEY = 1013

# targets of the 75 transplanted AZA/VEN R/R patients (outcomes.md)
T_FEMALE = {True: 36, False: 39}
T_STATUS = {"refractory": 35, "relapse": 32}           # + molecular relapse 8
T_TWO_LINES = {True: 17, False: 51}                     # among post-IC + molecular (68)
T_TIMING = {"early": 55, "late": 16, "none": 4}
T_MRD = {"negative": 46, "positive": 20, "not_done": 5}
T_DONOR = {"MSD": 12, "MUD": 38, "MMUD": 4, "haplo": 19, "cord": 2}
T_HCTCI = {0: 41, 1: 16, 2: 11, 3: 4, 4: 2, 5: 1}
T_INTENSITY = {"RIC": 53, "MAC": 9, "sequential": 13}
T_PROPH_NONHAPLO = {"CSA": 21, "CSA+MMF": 23, "CSA+MTX": 12}
T_CMV = {"D-/R-": 21, "D-/R+": 22, "D+/R-": 7, "D+/R+": 25}
T_CYCLES_EARLY = {1: 40, 2: 30, 3: 15, 4: 8, 5: 4, 6: 3}
T_CYCLES_LATE = {2: 45, 3: 30, 4: 15, 5: 5, 6: 5}

IC_FRONTLINE = {"7+3": 40, "3+7": 15, "FLAG-Ida": 10, "CPX-351": 15, "7+3+GO": 10,
                "IDA-AraC": 10}
IC_SALVAGE = {"FLAG-Ida": 40, "MEC": 20, "HiDAC": 20, "CLAG-M": 10, "IDA-AraC": 10}
#: Conditioning regimens per intensity, spelt as registries write them (clinical-rules.md,
#: "the regimen catalogue knows the registries' spellings"); TEC-FLU-BU is written without
#: doses (its intensity then comes from the reported value).
REGIMENS = {
    "RIC": {"FLU-BU2": 30, "Flu/Bu2": 10, "FB2": 5, "Flu + Bu 8 mg/kg oral": 7,
            "FLU-MEL140": 15, "Flu/Mel 140": 7, "FM140": 3, "TEC-FLU-BU": 10,
            "TT 5 mg/kg/Bu2/Flu": 5, "Treo 3x10 g/m2 + Flu": 3, "Flu 150 mg/m2 + Bu 3.2 mg/kg "
            "x 2 iv + ATG": 5},
    "MAC": {"BU4-CY": 20, "BuCy2": 10, "Bu4Cy": 5, "Flu/Bu4": 15, "FluBu4": 10, "FLU-BU4": 5,
            "TBI12-CY": 15, "TBI 12 Gy/Cy": 10, "Busulfan 16 mg/kg oral + Cy 120 mg/kg": 5,
            "FT14": 5},
    "sequential": {"FLAMSA-BU2": 50, "FLAMSA-TBI4": 20,
                   "FLAMSA-RIC (Flu/AraC/Amsa, TBI 4 Gy, Cy, ATG)": 15, "FLAMSA-Bu": 15},
    "NMA": {"FLU-TBI2": 70, "Flu/TBI 2 Gy": 20, "Flu-TBI 200cGy": 10},
}
#: HLA match text per donor type, as laboratories write it (clinical-rules.md).
HLA_TEXT = {
    "MSD": {"10/10": 75, "HLA-identical": 10, "8/8": 10, "geno-identical": 5},
    "matched_related_other": {"10/10": 100},
    "MUD": {"10/10": 65, "8/8": 12, "10/10 (DPB1 mm)": 8, "12/12": 10, "10 of 10": 5},
    "MMUD": {"9/10": 45, "9/10 (DQB1 mm)": 20, "7/8": 15, "9/10, HLA-C antigen mismatch": 10,
             "9/10 (1 allele mm HLA-A)": 10},
    "haplo": {"5/10": 50, "5/10 haplo": 15, "haplo": 15, "6/10": 12, "7/10": 8},
    "cord": {"4/6": 60, "5/6": 40},
}
#: Share of haplo donors written as a related donor with a half match (5/10 or 4/8), not
#: as "haploidentical": the rule classes a related donor matched at half the loci as haplo.
HAPLO_AS_RELATED = 0.2
#: Share of salvage-cycle assessments delivered without a response label (counts only), and
#: of MLFS assessments also without ANC (at least MLFS from blasts and platelets).
LABEL_LESS = 0.06
MLFS_WITHOUT_ANC = 0.3

# outcome model (tuned so the 75-patient group hits 2-y CIR 35.1 %, NRM 10.6 %, OS 61.4 %)
REL_SCALE, REL_SHAPE = 0.20, 0.75      # 2-year cumulative relapse hazard at baseline
NRM_SCALE, NRM_SHAPE = 0.027, 0.55
HR_REL_NO_C1, HR_REL_MRD_POS, HR_REL_REFRACTORY = 9.0, 1.4, 1.8
HR_NRM_NO_C1, HR_NRM_HCTCI3 = 4.0, 1.6
POST_RELAPSE_MEDIAN = 125.0            # days from haematological relapse to death
P_AGVHD = {1: 0.16, 2: 0.065, 3: 0.045, 4: 0.028}
P_CGVHD = 0.30
P_CGVHD_SEVERITY = {"mild": 0.45, "moderate": 0.30, "severe": 0.25}


def quota(rng: np.random.Generator, n: int, counts: dict) -> np.ndarray:
    """n draws whose frequencies are ``counts`` rescaled to n (largest remainder), shuffled."""
    keys = list(counts)
    p = np.array([counts[k] for k in keys], float)
    raw = n * p / p.sum()
    base = np.floor(raw).astype(int)
    rem = n - int(base.sum())
    if rem:
        frac = raw - base + rng.random(len(keys)) * 1e-9
        base[np.argsort(-frac, kind="stable")[:rem]] += 1
    out = np.repeat(np.array(keys, dtype=object), base)
    return out[rng.permutation(n)]


def choice(rng: np.random.Generator, n: int, weights: dict) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def weibull(rng: np.random.Generator, scale2y: np.ndarray, shape: float) -> np.ndarray:
    """Event time (days) with cumulative hazard H(t) = scale2y * (t / 730.5) ** shape."""
    e = rng.exponential(1.0, len(scale2y))
    return 2 * YEAR * (e / scale2y) ** (1.0 / shape)


@dataclass
class ChunkTruth:
    """One simulated chunk: the patient frame and the canonical tables (typed, with _row)."""

    patients: pd.DataFrame
    tables: dict[str, pd.DataFrame]


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder, deterministic)."""
    w = np.asarray(weights, float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base.tolist()


def ic_pool_chunk(seed: int) -> tuple[np.random.Generator, dict[str, int]]:
    """The default registry's extra IC comparator patients: their own random stream
    (``SeedSequence([seed, IC_POOL_SEED_KEY])``) and ``IC_EXTRA_POOL`` patients of the IC
    centre(s)."""
    ic = [c.centre_id for c in CENTRES if c.cohort == "ic"]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, IC_POOL_SEED_KEY])))
    return rng, dict(zip(ic, allocate(IC_EXTRA_POOL, [1] * len(ic)), strict=True))


def composition(n_patients: int | None) -> dict[str, int]:
    """Patients per centre: the study registry (None) or n_patients spread proportionally."""
    if n_patients is None:
        return {c.centre_id: c.weight for c in CENTRES}
    return dict(zip([c.centre_id for c in CENTRES],
                    allocate(n_patients, [c.weight for c in CENTRES]), strict=True))


# ------------------------------------------------------------------------- simulation
def simulate_chunk(rng: np.random.Generator, per_centre: dict[str, int],
                   cutoffs: dict[str, float]) -> ChunkTruth:
    """Simulate ``per_centre`` patients; ``cutoffs`` = newest export date per centre."""
    centres = [c for c in CENTRES if per_centre.get(c.centre_id, 0) > 0]
    av = [c for c in centres if c.cohort == "azaven"]
    n_av = sum(per_centre[c.centre_id] for c in av)
    n_ic = sum(per_centre[c.centre_id] for c in centres if c.cohort == "ic")
    n = n_av + n_ic
    P: dict[str, np.ndarray] = {}
    # cohort and centre
    centre = np.empty(n, dtype=object)
    av_centres = quota(rng, n_av, {c.centre_id: per_centre[c.centre_id] for c in av}) \
        if n_av else np.empty(0, dtype=object)
    centre[:n_av] = av_centres
    centre[n_av:] = "PSL"
    cohort = np.where(np.arange(n) < n_av, "azaven", "ic").astype(object)
    setting = np.empty(n, dtype=object)
    setting[:n_av] = quota(rng, n_av, SETTINGS) if n_av else []
    setting[n_av:] = "ic_salvage"
    tx = np.zeros(n, bool)
    for s, k in SETTINGS.items():
        i = np.flatnonzero(setting == s)
        tx[i] = quota(rng, len(i), {True: TRANSPLANTED[s], False: k - TRANSPLANTED[s]}
                      ).astype(bool)
    tx[n_av:] = True
    calib = (cohort == "azaven") & tx & (setting != "frontline")
    P.update(centre_id=centre, cohort=cohort, setting=setting, transplanted=tx, calib=calib)

    groups = {
        "calib": np.flatnonzero(calib),
        "av_tx_front": np.flatnonzero((cohort == "azaven") & tx & (setting == "frontline")),
        "av_rr_notx": np.flatnonzero((cohort == "azaven") & ~tx & (setting != "frontline")),
        "av_front_notx": np.flatnonzero((cohort == "azaven") & ~tx & (setting == "frontline")),
        "ic": np.flatnonzero(cohort == "ic"),
    }
    cal = groups["calib"]

    # --- demographics and genetics
    female = rng.random(n) < 0.45
    female[cal] = quota(rng, len(cal), T_FEMALE).astype(bool)
    arch = quota(rng, n, {k: v[0] for k, v in ARCHETYPES.items()})
    arch[cal] = quota(rng, len(cal), {k: v[0] for k, v in ARCHETYPES.items()})
    mutations, facts = draw_genetics(rng, arch, female)
    P.update(female=female, archetype=arch, **facts)
    aml_type = choice(rng, n, {"de_novo": 72, "secondary_mds": 10, "secondary_mpn": 6,
                               "therapy_related": 12})
    aml_type[setting == "post_hma"] = "secondary_mds"
    P["aml_type"] = aml_type

    # --- status before salvage, lines before the salvage line
    status = np.empty(n, dtype=object)
    status[:] = "frontline"
    status[setting == "molecular_relapse"] = "molecular_relapse"
    rr = np.flatnonzero(np.isin(setting, ["post_ic", "post_hma"]))
    status[rr] = choice(rng, len(rr), {"refractory": 50, "relapse": 50})
    i = np.intersect1d(cal, rr)
    status[i] = quota(rng, len(i), T_STATUS)
    ic = groups["ic"]
    status[ic] = choice(rng, len(ic), {"refractory": 45, "relapse": 45, "molecular_relapse": 10})
    two = np.zeros(n, bool)
    i = np.flatnonzero(np.isin(setting, ["post_ic", "molecular_relapse", "ic_salvage"]))
    two[i] = rng.random(len(i)) < 0.25
    i = cal[setting[cal] != "post_hma"]
    two[i] = quota(rng, len(i), T_TWO_LINES).astype(bool)
    P["status"] = status
    P["two_ic_lines"] = two
    P["lines_before"] = np.where(setting == "frontline", 0, 1 + two.astype(int))
    P["salvage_line"] = P["lines_before"] + 1

    # --- salvage response timing and cycles
    timing = np.empty(n, dtype=object)
    for g, w in (("av_tx_front", {"early": 60, "late": 30, "none": 10}),
                 ("av_rr_notx", {"early": 30, "late": 15, "none": 55}),
                 ("av_front_notx", {"early": 40, "late": 25, "none": 35}),
                 ("ic", {"early": 65, "late": 17, "none": 18})):
        timing[groups[g]] = choice(rng, len(groups[g]), w)
    timing[cal] = quota(rng, len(cal), T_TIMING)
    cycles = np.zeros(n, int)
    early = timing == "early"
    cycles[early] = choice(rng, int(early.sum()), T_CYCLES_EARLY).astype(int)
    nl = ~early
    cycles[nl] = choice(rng, int(nl.sum()), T_CYCLES_LATE).astype(int)
    i = np.flatnonzero(early & np.isin(np.arange(n), cal))
    cycles[i] = quota(rng, len(i), T_CYCLES_EARLY).astype(int)
    notx_front = groups["av_front_notx"]
    cycles[notx_front] = rng.integers(1, 13, len(notx_front))
    late_ok = (timing == "late") & (cycles < 2)
    cycles[late_ok] = 2
    cycles[ic] = np.where(timing[ic] == "early", rng.integers(1, 3, len(ic)), 2)
    resp_cycle = np.where(timing == "early", 1, 0)
    late = np.flatnonzero(timing == "late")
    resp_cycle[late] = rng.integers(2, cycles[late] + 1)
    P.update(timing=timing, cycles=cycles, resp_cycle=resp_cycle,
             c1_crc=timing == "early", crc_ever=timing != "none")

    # --- age
    age = 18 + 55 * rng.beta(3.0, 1.2969, n)
    # transplanted AZA/VEN R/R: stratified quantiles of Beta(3, 1.297) on 18-73, so that even
    # 75 patients have the study's median 58.2 (range 18-73)
    strata = (rng.permutation(len(cal)) + rng.random(len(cal))) / max(len(cal), 1)
    age[cal] = 18 + 55 * beta_dist.ppf(strata, 3.0, 1.2969)
    age[groups["av_rr_notx"]] = 18 + 67 * rng.beta(3.0, 1.3722, len(groups["av_rr_notx"]))
    fr = groups["av_front_notx"]
    age[fr] = 60 + 30 * rng.beta(2.0, 2.4, len(fr))
    age[groups["av_tx_front"]] = 45 + 27 * rng.beta(2.5, 1.5, len(groups["av_tx_front"]))
    # IC-salvaged patients are younger than AZA/VEN ones (median about 53) but span 18-75
    age[ic] = 18 + 57 * rng.beta(2.6, 1.6, len(ic))
    P["age_at_anchor"] = age

    # --- timeline, built backwards from the transplant (or the salvage start)
    cut = np.array([cutoffs[c] for c in centre])
    hsct = np.full(n, np.nan)
    i = np.flatnonzero(tx & (cohort == "azaven"))
    hsct[i] = cut[i] - rng.uniform(0.2 * YEAR, 2.95 * YEAR, len(i))
    hsct[ic] = rng.uniform(day("2006-01-15"), day("2021-12-15"), len(ic))
    hsct = np.floor(hsct)
    cycle_len = rng.integers(28, 36, n).astype(float)
    notx = np.flatnonzero(~tx)
    sal_start = np.full(n, np.nan)
    sal_start[notx] = np.floor(cut[notx] - rng.uniform(60, 3.6 * YEAR, len(notx)))
    # patients early in their line at the export date: only the cycles given so far
    room = np.floor((cut - 25 - sal_start) / cycle_len)
    cap = ~tx & (cycles > room)
    cycles[cap] = np.maximum(room[cap], 1).astype(int)
    gone = resp_cycle > cycles
    timing[gone] = "none"
    resp_cycle[gone] = 0
    P.update(timing=timing, cycles=cycles, resp_cycle=resp_cycle,
             c1_crc=timing == "early", crc_ever=timing != "none")
    sal_dur = cycles * cycle_len
    pre_gap = rng.integers(21, 56, n).astype(float)
    sal_start[tx] = (hsct - pre_gap - sal_dur)[tx]
    sal_end = sal_start + sal_dur - rng.integers(0, 8, n)
    P.update(hsct_date=hsct, salvage_start=sal_start, salvage_end=sal_end, cycle_len=cycle_len)
    # the line(s) before
    ic_line_dur = rng.integers(1, 4, n) * rng.integers(30, 42, n).astype(float)
    gap_after = np.where(status == "refractory", rng.integers(10, 40, n),
                         rng.integers(120, 700, n)).astype(float)
    l2_start = np.where(two, sal_start - gap_after - rng.integers(30, 45, n), np.nan)
    l2_end = l2_start + rng.integers(25, 40, n)
    first_next = np.where(two, l2_start, sal_start)
    hma = setting == "post_hma"
    l1_cycles = np.where(hma, rng.integers(4, 13, n), rng.integers(1, 4, n))
    l1_dur = np.where(hma, l1_cycles * 30.0, ic_line_dur)
    gap1 = np.where(two, np.where(status == "refractory", rng.integers(10, 40, n),
                                  rng.integers(90, 400, n)), gap_after)
    l1_start = np.where(setting == "frontline", sal_start, first_next - gap1 - l1_dur)
    l1_end = np.where(setting == "frontline", sal_end, l1_start + l1_dur - rng.integers(0, 10, n))
    diag = l1_start - rng.integers(2, 22, n)
    anchor = np.where(tx, hsct, sal_start)
    birth = np.floor(anchor - age * YEAR)
    P.update(l1_start=l1_start, l1_end=l1_end, l1_cycles=l1_cycles, l2_start=l2_start,
             l2_end=l2_end, diagnosis_date=diag, birth_date=birth,
             age_at_hsct=np.where(tx, (hsct - birth) / YEAR, np.nan))
    salvage_reg = np.empty(n, dtype=object)
    av_label = np.array([_centre(c).azaven_label for c in centre], dtype=object)
    salvage_reg[:] = av_label
    dec = rng.random(n) < 0.08
    salvage_reg[dec] = "DEC-VEN"
    salvage_reg[ic] = choice(rng, len(ic), IC_SALVAGE)
    P["salvage_regimen"] = salvage_reg
    P["l1_regimen"] = np.where(hma, "AZA", choice(rng, n, IC_FRONTLINE))
    P["l2_regimen"] = np.where(two, choice(rng, n, IC_SALVAGE), None)
    P["pre_hsct_crc"] = tx & (timing != "none")

    # --- MRD before transplant (responders)
    mrd = np.full(n, None, dtype=object)
    resp_tx = np.flatnonzero(P["pre_hsct_crc"])
    mrd[resp_tx] = choice(rng, len(resp_tx), {"negative": 60, "positive": 30, "not_done": 10})
    i = np.intersect1d(cal, resp_tx)
    mrd[i] = quota(rng, len(i), T_MRD)
    mrd[tx & ~P["pre_hsct_crc"]] = "not_applicable"
    P["mrd_pre_hsct"] = mrd

    # --- transplant characteristics
    # written forms (HLA text, donor relation of related haplo donors, label-less
    # assessments) come from a child stream: the truth's random stream is not shifted
    forms = rng.spawn(1)[0]
    _transplant_features(rng, P, n, cal, groups, forms)
    pat = pd.DataFrame(P)
    _post_transplant(rng, pat, cut)
    _non_transplant_outcome(rng, pat, cut)
    tables = _build_tables(rng, pat, mutations, forms)
    return ChunkTruth(pat, tables)


def _centre(cid: str) -> Centre:
    from synthetic_registry.centres import CENTRE_BY_ID
    return CENTRE_BY_ID[cid]


def _transplant_features(rng: np.random.Generator, P: dict, n: int, cal: np.ndarray,
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


def _post_transplant(rng: np.random.Generator, pat: pd.DataFrame, cut: np.ndarray) -> None:
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


def _non_transplant_outcome(rng: np.random.Generator, pat: pd.DataFrame, cut: np.ndarray) -> None:
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


# ------------------------------------------------------------------------------ tables
def _counts_for(rng: np.random.Generator, label: np.ndarray) -> dict[str, np.ndarray]:
    """Counts consistent with an ELN 2022 response category (derived label)."""
    k = len(label)
    blasts = np.round(rng.uniform(0.2, 4.8, k), 1)
    anc = np.round(rng.uniform(1.0, 6.5, k), 2)
    plt = np.floor(rng.uniform(100, 380, k))
    circ = np.zeros(k, bool)
    em = np.zeros(k, bool)
    # ELN 2022 categories (Dohner 2022, Table 9) with unambiguous counts
    m = label == "CRh"                      # ANC >= 0.5 and platelets >= 50, not CR
    anc[m] = np.round(rng.uniform(0.5, 0.99, m.sum()), 2)
    plt[m] = np.floor(rng.uniform(50, 300, m.sum()))
    low_plt = m & (rng.random(k) < 0.5)
    anc[low_plt] = np.round(rng.uniform(1.0, 4.0, low_plt.sum()), 2)
    plt[low_plt] = np.floor(rng.uniform(50, 99.9, low_plt.sum()))
    m = label == "CRi"                      # one lineage recovered, the other not to CRh
    anc[m] = np.round(rng.uniform(1.0, 4.0, m.sum()), 2)
    plt[m] = np.floor(rng.uniform(15, 49.9, m.sum()))
    alt = m & (rng.random(k) < 0.4)
    anc[alt] = np.round(rng.uniform(0.05, 0.49, alt.sum()), 2)
    plt[alt] = np.floor(rng.uniform(100, 250, alt.sum()))
    m = label == "MLFS"                     # no count recovery
    anc[m] = np.round(rng.uniform(0.0, 0.45, m.sum()), 2)
    plt[m] = np.floor(rng.uniform(3, 45, m.sum()))
    m = np.isin(label, ["NR", "PR", "relapse"])
    blasts[m] = np.round(rng.uniform(6, 75, m.sum()), 1)
    anc[m] = np.round(rng.uniform(0.05, 2.5, m.sum()), 2)
    plt[m] = np.floor(rng.uniform(5, 120, m.sum()))
    circ[m] = rng.random(m.sum()) < 0.5
    em[m] = rng.random(m.sum()) < 0.05
    m = label == "PR"
    blasts[m] = np.round(rng.uniform(5.5, 24, m.sum()), 1)
    circ[m] = False
    return {"bm_blasts_pct": blasts, "anc": anc, "platelets": plt,
            "circulating_blasts": circ, "extramedullary": em}


def _crc_label(rng: np.random.Generator, k: int) -> np.ndarray:
    return choice(rng, k, {"CR": 45, "CRh": 12, "CRi": 33, "MLFS": 10})


def _frame(**cols: object) -> pd.DataFrame:
    return pd.DataFrame(cols)


def _build_tables(rng: np.random.Generator, pat: pd.DataFrame, mutations: pd.DataFrame,
                  forms: np.random.Generator) -> dict[str, pd.DataFrame]:
    n = len(pat)
    rows = np.arange(n)
    g = pat
    tx = g["transplanted"].to_numpy()
    T: dict[str, pd.DataFrame] = {}
    # patients
    eln22 = g["eln2022"].to_numpy().astype(object)
    eln24 = g["eln2024"].to_numpy().astype(object)
    rep22 = eln22.copy()
    flip = rng.random(n) < 0.05
    rep22[flip & (eln22 == "adverse")] = "intermediate"
    rep22[(rng.random(n) < 0.25) | (eln22 == "unknown")] = None
    rep24 = eln24.copy()
    rep24[(rng.random(n) < 0.45) | (eln24 == "unknown")] = None
    T["patients"] = _frame(
        _row=rows, sex=np.where(g["female"], "female", "male"),
        birth_date=g["birth_date"].to_numpy(), diagnosis_date=g["diagnosis_date"].to_numpy(),
        aml_type=g["aml_type"].to_numpy(), karyotype=g["karyotype"].to_numpy(),
        eln2022_reported=rep22, eln2024_reported=rep24)
    T["mutations"] = mutations
    # treatment lines
    parts = []
    fr = (g["setting"] == "frontline").to_numpy()
    l1 = ~fr
    parts.append(_frame(_row=rows[l1], line=1, regimen=g["l1_regimen"].to_numpy()[l1],
                        indication="frontline", start_date=g["l1_start"].to_numpy()[l1],
                        end_date=g["l1_end"].to_numpy()[l1],
                        cycles=g["l1_cycles"].to_numpy()[l1].astype(float)))
    two = g["two_ic_lines"].to_numpy()
    st = g["status"].to_numpy()
    parts.append(_frame(_row=rows[two], line=2, regimen=g["l2_regimen"].to_numpy()[two],
                        indication=np.where(st[two] == "refractory", "refractory", "relapse"),
                        start_date=g["l2_start"].to_numpy()[two],
                        end_date=g["l2_end"].to_numpy()[two],
                        cycles=np.ones(int(two.sum()))))
    parts.append(_frame(_row=rows, line=g["salvage_line"].to_numpy(),
                        regimen=g["salvage_regimen"].to_numpy(),
                        indication=np.where(fr, "frontline", st),
                        start_date=g["salvage_start"].to_numpy(),
                        end_date=g["salvage_end"].to_numpy(),
                        cycles=g["cycles"].to_numpy().astype(float)))
    T["treatment_lines"] = pd.concat(parts, ignore_index=True)
    # responses: before-salvage lines
    parts = []
    relapse_like = np.isin(st, ["relapse", "molecular_relapse"])
    lab1 = np.where(l1 & (relapse_like | two), "CR", "NR").astype(object)
    lab1[l1 & two & (st == "refractory")] = "NR"
    lab1[(g["setting"] == "post_hma").to_numpy() & (st == "refractory")] = "SD"
    m = l1
    cnt = _counts_for(rng, np.where(lab1[m] == "CR", "CR", "NR"))
    cyc1 = np.where((g["setting"] == "post_hma").to_numpy()[m], np.nan, 1.0)
    parts.append(_frame(_row=rows[m], line=1, cycle=cyc1,
                        assessment_date=np.minimum(g["l1_start"].to_numpy()[m] + 30,
                                                   g["l1_end"].to_numpy()[m] + 20),
                        response=lab1[m], **cnt))
    m = two
    lab2 = np.where(st[m] == "refractory", "NR", "CR")
    parts.append(_frame(_row=rows[m], line=2, cycle=1.0,
                        assessment_date=g["l2_start"].to_numpy()[m] + 30,
                        response=lab2, **_counts_for(rng, lab2)))
    m = relapse_like & ~fr
    sal_line = g["salvage_line"].to_numpy()
    lab = np.where(st[m] == "relapse", "relapse", "molecular_relapse")
    cnt = _counts_for(rng, np.where(lab == "relapse", "relapse", "CR"))
    parts.append(_frame(_row=rows[m], line=sal_line[m] - 1, cycle=np.nan,
                        assessment_date=g["salvage_start"].to_numpy()[m] - rng.integers(3, 15,
                                                                                        m.sum()),
                        response=lab, **cnt))
    # responses: one assessment per salvage cycle
    cycles = g["cycles"].to_numpy()
    rep = np.repeat(rows, cycles)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(cycles) - cycles, cycles) + 1
    rc = g["resp_cycle"].to_numpy()[rep]
    crc = (rc > 0) & (k >= rc)
    derived = np.where(crc, _crc_label(rng, len(rep)), "NR").astype(object)
    prev_nr = (~crc) & (k >= 2) & (rng.random(len(rep)) < 0.25)
    derived[prev_nr] = "PR"
    cnt = _counts_for(rng, derived)
    # PR needs a >= 50 % fall of marrow blasts from the previous assessment of the line;
    # NR after a previous assessment must not show such a fall
    blasts = cnt["bm_blasts_pct"]
    for kk in range(2, int(k.max(initial=0)) + 1):
        i = np.flatnonzero(k == kk)
        prev = blasts[i - 1]
        pr = derived[i] == "PR"
        newb = np.round(prev * rng.uniform(0.2, 0.5, len(i)), 1)
        ok = pr & (newb >= 5.0) & (newb <= 25.0)
        blasts[i[ok]] = newb[ok]
        derived[i[pr & ~ok]] = "NR"
        nr = (derived[i] == "NR") & (blasts[i] <= 25.0)
        blasts[i[nr]] = np.maximum(blasts[i[nr]], np.round(prev[nr] * 0.5 + 0.5, 1))
        cnt["circulating_blasts"][i[ok]] = False
    reported = derived.copy()
    u = rng.random(len(rep))
    reported[(u < 0.05) & np.isin(derived, ["CRi", "CRh"])] = "CR"     # counts say otherwise
    reported[(u > 0.97) & (derived == "CR")] = "CRi"
    reported[(u > 0.985) & (derived == "PR")] = "NR"
    # written forms (export-format.md: the label is optional where counts are given):
    # some assessments come with counts only; some MLFS ones also without ANC (blasts < 5 %
    # without circulating blasts is at least MLFS, platelets < 50 keep it MLFS)
    v = forms.random(len(rep))
    reported[v < LABEL_LESS] = None
    no_anc = (derived == "MLFS") & (forms.random(len(rep)) < MLFS_WITHOUT_ANC)
    reported[no_anc & (v < 0.5)] = None
    cnt["anc"] = np.where(no_anc, np.nan, cnt["anc"])
    sdate = g["salvage_start"].to_numpy()[rep] + k * g["cycle_len"].to_numpy()[rep] \
        - rng.integers(0, 6, len(rep))
    parts.append(_frame(_row=rep, line=sal_line[rep], cycle=k.astype(float),
                        assessment_date=sdate, response=reported, **cnt, _derived=derived))
    resp = pd.concat(parts, ignore_index=True)
    resp["_derived"] = resp["_derived"].fillna(resp["response"])
    T["responses"] = resp.sort_values(["_row", "assessment_date"], kind="stable",
                                      ignore_index=True)
    # MRD
    T["mrd"] = _mrd_table(rng, g)
    # transplants
    i = rows[tx]
    hs = g["hsct_date"].to_numpy()
    T["transplants"] = _frame(
        _row=i, hsct_number=1, hsct_date=hs[i],
        donor_relation=g["donor_relation"].to_numpy()[i], hla_match=g["hla_match"].to_numpy()[i],
        stem_cell_source=g["stem_cell_source"].to_numpy()[i],
        conditioning_regimen=g["conditioning_regimen"].to_numpy()[i],
        conditioning_intensity_reported=g["intensity_reported"].to_numpy()[i],
        atg=g["atg"].to_numpy()[i], ptcy=g["ptcy"].to_numpy()[i],
        gvhd_prophylaxis=g["gvhd_prophylaxis"].to_numpy()[i],
        donor_cmv=g["donor_cmv"].to_numpy()[i], recipient_cmv=g["recipient_cmv"].to_numpy()[i],
        hct_ci=g["hct_ci"].to_numpy()[i].astype(float),
        chimerism_d30_recipient_pct=g["chimerism_d30"].to_numpy()[i],
        chimerism_d90_recipient_pct=g["chimerism_d90"].to_numpy()[i])
    # GVHD episodes
    a = rows[g["agvhd_grade"].to_numpy() > 0]
    c = rows[g["cgvhd"].notna().to_numpy()]
    T["gvhd"] = pd.concat([
        _frame(_row=a, kind="acute", onset_date=hs[a] + g["agvhd_day"].to_numpy()[a],
               grade=g["agvhd_grade"].to_numpy()[a].astype(str)),
        _frame(_row=c, kind="chronic", onset_date=hs[c] + g["cgvhd_day"].to_numpy()[c],
               grade=g["cgvhd"].to_numpy()[c]),
    ], ignore_index=True).sort_values(["_row", "onset_date"], kind="stable", ignore_index=True)
    # follow-up
    origin = np.where(tx, hs, g["salvage_start"].to_numpy())
    death = origin + g["t_death"].to_numpy()
    T["followup"] = _frame(
        _row=rows, last_contact_date=origin + g["t_last"].to_numpy(),
        vital_status=np.where(np.isnan(death), "alive", "dead"), death_date=death,
        death_cause=g["death_cause"].to_numpy(),
        relapse_date=np.where(tx, hs + g["t_relapse"].to_numpy(), np.nan),
        relapse_type=g["relapse_type"].to_numpy())
    return T


def _mrd_table(rng: np.random.Generator, g: pd.DataFrame) -> pd.DataFrame:
    """MFC (BM), NPM1 and WT1 (PB) measurements; the pre-HSCT ones within 28 days."""
    n = len(g)
    rows = np.arange(n)
    status = g["mrd_pre_hsct"].to_numpy()
    hs = g["hsct_date"].to_numpy()
    npm1 = g["npm1"].to_numpy()
    parts = []
    done = np.isin(status, ["negative", "positive"])
    pos = status == "positive"
    # which method carries positivity: discordant MFC-negative / PCR-positive in some
    discord = pos & npm1 & (rng.random(n) < 0.45)
    wt1 = done & ~npm1 & (rng.random(n) < 0.35)
    discord |= pos & wt1 & ~discord & (rng.random(n) < 0.3)
    mfc_pos = pos & ~discord
    d_mfc = hs - rng.integers(4, 28, n)
    mfc_val = np.where(mfc_pos, np.round(rng.choice([0.1, 0.12, 0.2, 0.35, 0.6, 1.1, 2.4], n)
                                         * rng.uniform(1.0, 1.3, n), 2),
                       np.round(rng.choice([0.0, 0.01, 0.02, 0.04, 0.06, 0.09], n), 2))
    mfc_val[mfc_pos & (rng.random(n) < 0.1)] = 0.1
    m = done
    res = np.where(mfc_val >= 0.1, "positive", "negative").astype(object)
    res[rng.random(n) < 0.3] = None
    parts.append(_frame(_row=rows[m], sample_date=d_mfc[m], method="MFC", tissue="BM",
                        value=mfc_val[m], result_reported=res[m]))
    # NPM1 RT-qPCR (ratio)
    m = done & npm1
    npm_pos = discord & npm1 | (mfc_pos & npm1 & (rng.random(n) < 0.7))
    v = np.where(npm_pos, rng.choice([1.2e-4, 3e-4, 1e-3, 5e-3, 2e-2], n)
                 * rng.uniform(1, 2, n), rng.choice([0.0, 1e-5, 3e-5, 6e-5, 1e-4], n))
    v = np.round(v, 7)
    res = np.where(v > 1e-4, "positive", "negative").astype(object)
    res[rng.random(n) < 0.3] = None
    parts.append(_frame(_row=rows[m], sample_date=hs[m] - rng.integers(2, 26, int(m.sum())),
                        method="NPM1", tissue=np.where(rng.random(int(m.sum())) < 0.7, "BM",
                                                       "PB"),
                        value=v[m], result_reported=res[m]))
    # WT1 on peripheral blood
    m = wt1
    wpos = (discord & wt1) | (mfc_pos & wt1 & (rng.random(n) < 0.5))
    v = np.round(np.where(wpos, rng.uniform(1.5e-3, 2e-2, n), rng.uniform(1e-4, 9.5e-4, n)), 7)
    res = np.where(v > 1e-3, "positive", "negative").astype(object)
    res[rng.random(n) < 0.3] = None
    parts.append(_frame(_row=rows[m], sample_date=hs[m] - rng.integers(1, 27, int(m.sum())),
                        method="WT1", tissue="PB", value=v[m], result_reported=res[m]))
    # earlier MFC after cycle 1 (outside the 28-day window) for half of the responders
    early = g["crc_ever"].to_numpy() & (rng.random(n) < 0.5)
    d1 = g["salvage_start"].to_numpy() + g["cycle_len"].to_numpy() - 2
    early &= ~np.isnan(d1) & (np.isnan(hs) | (d1 < hs - 35))
    v = np.round(np.where(rng.random(n) < 0.5, rng.uniform(0.1, 3.0, n),
                          rng.uniform(0.0, 0.09, n)), 2)
    parts.append(_frame(_row=rows[early], sample_date=d1[early], method="MFC", tissue="BM",
                        value=v[early], result_reported=None))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["_row", "sample_date", "method"], kind="stable", ignore_index=True)
