"""The synthetic registry's calibration targets (outcomes.md) beside the registry's values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome_report.schema import DAY100, frame, pct
from outcome_report.variables import AZAVEN, MONTH_DAYS

# ----------------------------------------------------------------------------- calibration
CALIBRATION_TARGETS: list[tuple] = [
    # (section, metric, unit, target, target_n, kind, spec)
    ("characteristics", "age at HSCT median", "years", 58.2, None, "t1stat",
     ("age_at_hsct", "median")),
    ("characteristics", "age at HSCT min", "years", 18, None, "t1stat", ("age_at_hsct", "min")),
    ("characteristics", "age at HSCT max", "years", 73, None, "t1stat", ("age_at_hsct", "max")),
    ("characteristics", "female", "count", 36, 75, "t1", ("sex", "female")),
    *[("characteristics", f"ELN 2022 {lv}", "count", n, 73, "t1", ("eln2022", lv))
      for lv, n in (("favorable", 9), ("intermediate", 19), ("adverse", 45))],
    *[("characteristics", f"ELN 2024 {lv}", "count", n, 73, "t1", ("eln2024", lv))
      for lv, n in (("favorable", 46), ("intermediate", 15), ("adverse", 12))],
    ("characteristics", "adverse cytogenetics", "count", 22, 75, "t1",
     ("adverse_cytogenetics", "yes")),
    ("characteristics", "complex karyotype", "count", 18, 75, "t1", ("complex_karyotype", "yes")),
    ("characteristics", "lines before salvage 1", "count", 58, 75, "t1",
     ("lines_before_salvage", "1")),
    ("characteristics", "lines before salvage 2", "count", 17, 75, "t1",
     ("lines_before_salvage", "2")),
    *[("characteristics", f"status before salvage {lv}", "count", n, 75, "t1",
       ("status_before_salvage", lv))
      for lv, n in (("refractory", 35), ("relapse", 32), ("molecular_relapse", 8))],
    ("characteristics", "salvage cycles median", "cycles", 2, None, "t1stat",
     ("salvage_cycles", "median")),
    ("characteristics", "salvage cycles min", "cycles", 1, None, "t1stat",
     ("salvage_cycles", "min")),
    ("characteristics", "salvage cycles max", "cycles", 6, None, "t1stat",
     ("salvage_cycles", "max")),
    ("response", "CRc at end of cycle 1", "count", 55, 75, "t1", ("c1_response", "yes")),
    ("response", "CRc later", "count", 18, 75, "t1", ("response_timing", "late")),
    ("response", "refractory at HSCT", "count", 4, 75, "t1", ("pre_hsct_status", "refractory")),
    *[("response", f"MRD {lv}", "count", n, 71, "t1", ("mrd_pre_hsct", lv))
      for lv, n in (("negative", 46), ("positive", 20), ("not_done", 5))],
    *[("transplant", f"donor {lv}", "count", n, 75, "t1", ("donor_type", lv))
      for lv, n in (("MSD", 12), ("MUD", 38), ("MMUD", 5), ("haplo", 20))],
    *[("transplant", f"HCT-CI {lv}", "count", n, 75, "t1", ("hct_ci_group", lv))
      for lv, n in (("0", 41), ("1", 16), ("2", 11), (">=3", 7))],
    *[("transplant", f"conditioning {lv}", "count", n, 75, "t1", ("conditioning_intensity", lv))
      for lv, n in (("RIC", 53), ("MAC", 9), ("sequential", 13))],
    *[("transplant", f"prophylaxis {lv}", "count", n, 75, "t1", ("gvhd_prophylaxis", lv))
      for lv, n in (("CSA", 21), ("CSA+MMF", 42), ("CSA+MTX", 12))],
    *[("transplant", f"stem cell source {lv}", "percent", v, None, "t1pct",
       ("stem_cell_source", lv)) for lv, v in (("PB", 94.8), ("BM", 2.6), ("CB", 2.6))],
    *[("transplant", f"CMV {lv}", "percent", v, None, "t1pct", ("cmv_pair", lv))
      for lv, v in (("D-/R-", 28.0), ("D-/R+", 29.3), ("D+/R-", 9.3), ("D+/R+", 33.4))],
    ("outcomes", "median follow-up", "months", 16.9, None, "fu", None),
    *[("outcomes", f"2-year {ep}", "percent", v, None, "est", (ep, 24.0))
      for ep, v in (("OS", 61.4), ("CIR", 35.1), ("NRM", 10.6), ("GRFS", 53.1),
                    ("CGVHD", 22.6), ("CGVHD_SEVERE", 5.3))],
    ("outcomes", "day-100 aGVHD II-IV", "percent", 12.0, None, "est", ("AGVHD_2_4", DAY100)),
    ("outcomes", "day-100 aGVHD III-IV", "percent", 6.6, None, "est", ("AGVHD_3_4", DAY100)),
    ("outcomes", "OS HR no response vs CRc at end of C1", "HR", 5.0, None, "hr", None),
    ("registry", "AZA/VEN-treated patients", "count", 592, None, "flow",
     ("azaven_treated", "all")),
    ("registry", "centres", "count", 12, None, "centres", None),
    ("registry", "R/R salvage", "count", 305, None, "flow", ("rr_salvage", "all")),
    *[("registry", f"R/R salvage {lv}", "count", n, 305, "flow", ("rr_salvage", lv))
      for lv, n in (("post_ic", 240), ("post_hma", 29), ("molecular_relapse", 36))],
    ("registry", "AZA/VEN transplanted (R/R)", "count", 75, None, "flow", ("transplanted", "all")),
    ("registry", "IC comparator pool, transplanted (at least)", "count", 300, None, "flow",
     ("ic_comparator_transplanted", "all")),
]


def calibration(patients: pd.DataFrame, t1: pd.DataFrame, oe: pd.DataFrame, flow: pd.DataFrame,
                uni: pd.DataFrame) -> pd.DataFrame:
    """Each calibration target of the spec beside the value the registry gives."""
    rows = []
    az = oe[oe["cohort"] == AZAVEN]
    for section, metric, unit, target, target_n, kind, spec in CALIBRATION_TARGETS:
        obs, obs_n, note = np.nan, None, None
        if kind in ("t1", "t1pct", "t1stat"):
            sub = t1[(t1["variable"] == spec[0])]
            if kind == "t1stat":
                obs = float(sub[spec[1]].iloc[0]) if len(sub) else np.nan
            else:
                hit = sub[sub["level"].astype(str) == spec[1]]
                if len(hit):
                    obs_n = int(hit["n_known"].iloc[0])
                    obs = float(hit["pct"].iloc[0]) if kind == "t1pct" else int(hit["n"].iloc[0])
                else:
                    obs_n = int(sub["n_known"].max()) if len(sub) else 0
                    obs = np.nan if kind == "t1pct" or not obs_n else 0
        elif kind == "fu":
            hit = az[az["statistic"] == "median_followup"]
            obs = float(hit["estimate"].iloc[0]) if len(hit) else np.nan
        elif kind == "est":
            hit = az[(az["endpoint"] == spec[0]) & az["statistic"].isin(
                ["survival", "cumulative_incidence"])]
            hit = hit.iloc[[int(np.argmin(np.abs(hit["time_months"].to_numpy()
                                                 - (spec[1] / MONTH_DAYS if spec[1] == DAY100
                                                    else spec[1]))))]] if len(hit) else hit
            obs = 100.0 * float(hit["estimate"].iloc[0]) if len(hit) else np.nan
        elif kind == "hr":
            hit = uni[(uni["endpoint"] == "OS") & (uni["variable"] == "c1_response")
                      & uni["hr_term"].astype(str).str.startswith("No response")]
            obs = float(hit["hr"].iloc[0]) if len(hit) else np.nan
        elif kind == "flow":
            hit = flow[(flow["step"] == spec[0]) & (flow["setting"] == spec[1])]
            obs = int(hit["n"].iloc[0]) if len(hit) else 0
            if target_n and len(hit):
                obs_n = hit["denominator"].iloc[0]
        elif kind == "centres":
            obs = int(patients.loc[patients["cohort"].isin([AZAVEN, "azaven_frontline"]),
                                   "centre_id"].nunique())
        if obs is None or (isinstance(obs, float) and np.isnan(obs)):
            note = "not available in this snapshot"
        rows.append({"section": section, "metric": metric, "unit": unit, "target": float(target),
                     "target_n": target_n, "observed": float(obs) if obs is not None else np.nan,
                     "observed_n": obs_n,
                     "target_pct": pct(target, target_n) if target_n else
                     (float(target) if unit == "percent" else np.nan),
                     "observed_pct": float(obs) if unit == "percent" else
                     (pct(obs, obs_n) if obs_n else np.nan), "note": note})
    return frame(rows, "calibration")


