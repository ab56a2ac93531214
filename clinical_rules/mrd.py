"""Pre-transplant measurable residual disease (MRD).

Source: Heuser et al., Blood 2021;138:2753 (ELN MRD working party) as summarised in
../shared/spec/clinical-rules.md ("Measurable residual disease"). Thresholds come from
:class:`clinical_rules.thresholds.ClinicalThresholds`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinical_rules.response import date_text
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds

KEY = ["centre_id", "patient_id"]
MRD_STATUSES = ("negative", "positive", "not_done", "not_applicable")
MRD_METHODS = ("MFC", "NPM1", "WT1", "other_pcr")
TISSUES = ("BM", "PB")
#: A value equal to a threshold up to floating-point noise (e.g. a percent converted to a
#: ratio, 0.01 % / 100) counts as equal: MFC 0.1 % is positive, NPM1 1e-4 negative.
THRESHOLD_RTOL = 1e-9


def classify_mrd_measurement(
    mrd: pd.DataFrame, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Per measurement: positivity by threshold, by report, and the value used.

    Rules (ELN MRD 2021; clinical-rules.md): MFC on bone marrow positive when value >=
    0.1 %; NPM1 RT-qPCR (any tissue) negative when ratio <= 1e-4; WT1 RT-qPCR on
    peripheral blood negative when ratio <= 1e-3 (a value at a threshold up to
    floating-point noise is at the threshold). Measurements without a threshold
    (other_pcr, MFC on PB, WT1 on BM) or without a value use result_reported.
    Returns ``threshold_positive`` (boolean, <NA> without a threshold or value),
    ``reported_positive`` and ``positive`` (threshold where available, else reported).
    """
    method = pd.Categorical(mrd["method"], categories=MRD_METHODS).codes
    tissue = pd.Categorical(mrd["tissue"], categories=TISSUES).codes
    value = pd.to_numeric(mrd["value"], errors="coerce").to_numpy(dtype=float)
    has_value = ~np.isnan(value)
    mfc = (method == 0) & (tissue == 0)
    npm1 = method == 1
    wt1 = (method == 2) & (tissue == 1)
    with np.errstate(invalid="ignore"):
        pos = np.select(
            [mfc, npm1, wt1],
            [value >= thresholds.mrd_mfc_positive_pct * (1.0 - THRESHOLD_RTOL),
             value > thresholds.mrd_npm1_negative_max * (1.0 + THRESHOLD_RTOL),
             value > thresholds.mrd_wt1_pb_negative_max * (1.0 + THRESHOLD_RTOL)],
            default=False,
        )
    thr_ok = (mfc | npm1 | wt1) & has_value
    thr = pd.array(pos.astype(bool), dtype="boolean")
    thr[~thr_ok] = pd.NA
    rep = pd.Categorical(mrd["result_reported"], categories=["negative", "positive"]).codes
    rep_pos = pd.array(rep == 1, dtype="boolean")
    rep_pos[rep < 0] = pd.NA
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
              + " value " + d["value"].astype(str) + " on " + date_text(d["sample_date"]))
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
    m = mrd[[*KEY, "sample_date"]].assign(
        _pos=c["positive"].to_numpy(),
        _method=pd.Categorical(mrd["method"], categories=MRD_METHODS).codes,
        _tissue=pd.Categorical(mrd["tissue"], categories=TISSUES).codes)
    m = m.loc[m["_pos"].notna().to_numpy() & (m["_method"] >= 0).to_numpy()]
    m = m.merge(tx, on=KEY, how="inner")
    lo = m["hsct_date"] - pd.Timedelta(days=thresholds.mrd_window_days)
    m = m.loc[(m["sample_date"] >= lo) & (m["sample_date"] <= m["hsct_date"])]
    m = m.assign(_pos=m["_pos"].astype(bool))
    latest = m.groupby([*KEY, "_method", "_tissue"], sort=False)["sample_date"].transform("max")
    m = m.loc[m["sample_date"] == latest]
    # bit per method used; a patient's methods = OR of the bits (sum of distinct bits)
    m = m.assign(_bit=np.left_shift(1, m["_method"].to_numpy(dtype=np.int64)))
    per_method = m.drop_duplicates([*KEY, "_method"])
    per_pat = m.groupby(KEY, sort=False)["_pos"].any().rename("_pos").reset_index()
    bits = per_method.groupby(KEY, sort=False)["_bit"].sum()
    names = np.array(["+".join(x for i, x in enumerate(MRD_METHODS) if b >> i & 1)
                      for b in range(1 << len(MRD_METHODS))], dtype=object)
    per_pat["mrd_methods"] = names[bits.reindex(
        pd.MultiIndex.from_frame(per_pat[KEY])).to_numpy(dtype=np.int64)]
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
