"""Pre-transplant measurable residual disease (MRD).

Source: Heuser et al., Blood 2021;138:2753 (ELN MRD working party) as summarised in
../shared/spec/clinical-rules.md ("Measurable residual disease"). Thresholds come from
:class:`clinical_rules.thresholds.ClinicalThresholds`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds

KEY = ["centre_id", "patient_id"]
MRD_STATUSES = ("negative", "positive", "not_done", "not_applicable")


def classify_mrd_measurement(
    mrd: pd.DataFrame, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Per measurement: positivity by threshold, by report, and the value used.

    Rules (ELN MRD 2021; clinical-rules.md): MFC on bone marrow positive when value >=
    0.1 %; NPM1 RT-qPCR (any tissue) negative when ratio <= 1e-4; WT1 RT-qPCR on
    peripheral blood negative when ratio <= 1e-3. Measurements without a threshold
    (other_pcr, MFC on PB, WT1 on BM) or without a value use result_reported.
    Returns ``threshold_positive`` (boolean, <NA> without a threshold or value),
    ``reported_positive`` and ``positive`` (threshold where available, else reported).
    """
    method = mrd["method"].astype("object")
    tissue = mrd["tissue"].astype("object")
    value = pd.to_numeric(mrd["value"], errors="coerce").to_numpy(dtype=float)
    has_value = ~np.isnan(value)
    mfc = (method == "MFC").to_numpy() & (tissue == "BM").to_numpy()
    npm1 = (method == "NPM1").to_numpy()
    wt1 = (method == "WT1").to_numpy() & (tissue == "PB").to_numpy()
    with np.errstate(invalid="ignore"):
        pos = np.select(
            [mfc, npm1, wt1],
            [value >= thresholds.mrd_mfc_positive_pct,
             value > thresholds.mrd_npm1_negative_max,
             value > thresholds.mrd_wt1_pb_negative_max],
            default=False,
        )
    thr_ok = (mfc | npm1 | wt1) & has_value
    thr = pd.array(pos.astype(bool), dtype="boolean")
    thr[~thr_ok] = pd.NA
    rep = mrd["result_reported"].astype("object")
    rep_pos = pd.array(rep.eq("positive").to_numpy(), dtype="boolean")
    rep_pos[~rep.isin(["positive", "negative"]).to_numpy()] = pd.NA
    out = pd.DataFrame(index=mrd.index)
    out["threshold_positive"] = thr
    out["reported_positive"] = rep_pos
    out["positive"] = out["threshold_positive"].fillna(out["reported_positive"])
    return out


def mrd_discrepancies(
    mrd: pd.DataFrame, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Measurements whose result_reported disagrees with the threshold (all dates).

    Rule: clinical-rules.md, reported value kept beside the derived one, disagreement listed.
    """
    c = classify_mrd_measurement(mrd, thresholds)
    both = c["threshold_positive"].notna() & c["reported_positive"].notna()
    bad = (both & (c["threshold_positive"] != c["reported_positive"])).fillna(False)
    d = mrd.loc[bad.to_numpy(dtype=bool)]
    derived = np.where(c.loc[d.index, "threshold_positive"].to_numpy(dtype=bool),
                       "positive", "negative")
    reason = ("MRD threshold " + d["method"].astype(str) + "/" + d["tissue"].astype(str)
              + " value " + d["value"].astype(str) + " on "
              + d["sample_date"].dt.strftime("%Y-%m-%d").fillna("?"))
    return pd.DataFrame({
        "centre_id": d["centre_id"], "patient_id": d["patient_id"], "variable": "mrd_result",
        "reported": d["result_reported"].astype("object"), "derived": derived,
        "reason": reason,
    }).reset_index(drop=True)


def pre_transplant_mrd(
    mrd: pd.DataFrame,
    first_hsct: pd.DataFrame,
    pre_hsct_status: pd.DataFrame | None = None,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> pd.DataFrame:
    """Per transplanted patient: ``mrd_pre_hsct`` and the methods it rests on.

    Rules (clinical-rules.md; ELN MRD 2021): the window is hsct_date - 28 days to
    hsct_date, both ends inclusive; per (method, tissue) the latest evaluable
    measurement in the window is used (several on that date: positive if any is);
    the patient is positive when any method is positive (discordant MFC-negative /
    PCR-positive counts as positive), negative when all are negative, ``not_done``
    without an evaluable measurement, and ``not_applicable`` when pre_hsct_status is
    ``refractory`` (the study excludes patients not in CRc). ``mrd_methods`` lists the
    methods used ("MFC+NPM1", sorted). ``first_hsct``: centre_id, patient_id, hsct_date;
    ``pre_hsct_status``: centre_id, patient_id, pre_hsct_status (optional).
    """
    tx = first_hsct.loc[first_hsct["hsct_date"].notna(), [*KEY, "hsct_date"]]
    base = tx[KEY].reset_index(drop=True)
    c = classify_mrd_measurement(mrd, thresholds)
    m = mrd[[*KEY, "sample_date", "method", "tissue"]].assign(
        _pos=c["positive"].to_numpy())
    m = m.loc[m["_pos"].notna()]
    m = m.merge(tx, on=KEY, how="inner")
    lo = m["hsct_date"] - pd.Timedelta(days=thresholds.mrd_window_days)
    m = m.loc[(m["sample_date"] >= lo) & (m["sample_date"] <= m["hsct_date"])]
    m = m.assign(_pos=m["_pos"].astype(bool))
    latest = m.groupby([*KEY, "method", "tissue"], sort=False)["sample_date"].transform("max")
    m = m.loc[m["sample_date"] == latest]
    per_method = m.groupby([*KEY, "method"], sort=False)["_pos"].any().reset_index()
    per_pat = per_method.groupby(KEY, sort=False)["_pos"].any().rename("_pos").reset_index()
    methods = np.full(len(per_pat), "", dtype=object)
    for name in sorted(per_method["method"].dropna().unique()):
        has = per_pat.set_index(KEY).index.isin(
            per_method.loc[per_method["method"] == name].set_index(KEY).index)
        methods = np.where(has, np.where(methods == "", name, methods + "+" + name), methods)
    per_pat["mrd_methods"] = methods
    out = base.merge(per_pat, on=KEY, how="left")
    status = np.where(out["_pos"].isna(), "not_done",
                      np.where(out["_pos"].astype("boolean").fillna(False).to_numpy(dtype=bool),
                               "positive", "negative"))
    if pre_hsct_status is not None:
        out = out.merge(pre_hsct_status[[*KEY, "pre_hsct_status"]], on=KEY, how="left")
        status = np.where(out["pre_hsct_status"].eq("refractory"), "not_applicable", status)
    out["mrd_pre_hsct"] = status.astype(object)
    out["mrd_methods"] = out["mrd_methods"].astype("object").where(out["mrd_methods"].notna(),
                                                                    None)
    return out[[*KEY, "mrd_pre_hsct", "mrd_methods"]]
