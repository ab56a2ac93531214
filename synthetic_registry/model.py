"""The simulated truth: one frame of patients (every latent variable) and the canonical tables.

Calibrated to Bone Marrow Transplantation 2026 (AURAML/VENAURA), see outcomes.md "Calibration targets".
All dates are float days since 1970-01-01 (NaN = none). Categorical variables of the
transplanted AZA/VEN R/R group are drawn by quota (largest-remainder rounding, then a random
permutation), so the default registry has the study's exact counts and every chunk of the
scale mode has the study's proportions; event times come from cause-specific Weibull hazards
with covariate effects and administrative censoring at the export date.

This module draws the cohort flow, genetics, salvage course and timelines; the targets are in
:mod:`~synthetic_registry.calibration`, the draws in :mod:`~synthetic_registry.sampling`, the
transplant and the outcomes in :mod:`~synthetic_registry.transplant`, the canonical tables in
:mod:`~synthetic_registry.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta as beta_dist

from synthetic_registry.calibration import (
    IC_EXTRA_POOL,
    IC_FRONTLINE,
    IC_POOL_SEED_KEY,
    IC_SALVAGE,
    SETTINGS,
    T_CYCLES_EARLY,
    T_CYCLES_LATE,
    T_FEMALE,
    T_MRD,
    T_STATUS,
    T_TIMING,
    T_TWO_LINES,
    TRANSPLANTED,
    YEAR,
    day,
)
from synthetic_registry.centres import CENTRE_BY_ID, CENTRES, Centre
from synthetic_registry.genetics import ARCHETYPES, draw_genetics
from synthetic_registry.sampling import allocate, choice, quota
from synthetic_registry.tables import build_tables
from synthetic_registry.transplant import (
    non_transplant_outcome,
    post_transplant_outcome,
    transplant_features,
)

__all__ = ["IC_EXTRA_POOL", "ChunkTruth", "composition", "day", "ic_pool_chunk",
           "simulate_chunk"]


@dataclass
class ChunkTruth:
    """One simulated chunk: the patient frame and the canonical tables (typed, with _row)."""

    patients: pd.DataFrame
    tables: dict[str, pd.DataFrame]


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
    transplant_features(rng, P, n, cal, groups, forms)
    pat = pd.DataFrame(P)
    post_transplant_outcome(rng, pat, cut)
    non_transplant_outcome(rng, pat, cut)
    tables = build_tables(rng, pat, mutations, forms)
    return ChunkTruth(pat, tables)


def _centre(cid: str) -> Centre:
    return CENTRE_BY_ID[cid]
