"""Calibration of the synthetic registry: its composition and the study's target counts.

Source: Bone Marrow Transplantation 2026 (AURAML/VENAURA), see outcomes.md "Calibration
targets". The transplanted AZA/VEN R/R group's categorical variables are drawn by quota to
these counts; the outcome model's parameters are tuned so that group hits the study's 2-year
CIR, NRM and OS. All dates are float days since 1970-01-01 (NaN = none).
"""

from __future__ import annotations

import numpy as np

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
#: The IC comparator is one centre's IC-salvaged transplanted R/R patients over 2006-2021: a
#: pool of several hundred from which the study pair-matched 75 (outcomes.md). The default
#: registry simulates 80 of them (the IC centre's weight in centres.py) together with the
#: AZA/VEN patients (that random stream, and so the AZA/VEN cohort's calibration, stays as
#: chosen) and IC_EXTRA_POOL more in a chunk of their own (:func:`ic_pool_chunk`).
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
