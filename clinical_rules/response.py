"""Response to therapy (ELN 2022) per assessment and per salvage line.

Source: Döhner et al., Blood 2022;140:1345-77 (Table 9, response criteria), as summarised
in ../shared/spec/clinical-rules.md ("Response to therapy"). All functions are vectorised
pandas: no per-row Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["centre_id", "patient_id"]

#: Composite complete remission (clinical-rules.md). ``molecular_response`` is reported
#: only after a molecular relapse, i.e. in a patient in morphological CR, and is counted
#: as CRc (the study counts its molecular-relapse patients among the responders).
CRC_LABELS: frozenset[str] = frozenset({"CR", "CRh", "CRi", "MLFS", "molecular_response"})
#: Labels that cannot be derived from counts: always taken as reported, never compared.
REPORTED_ONLY_LABELS: frozenset[str] = frozenset(
    {"relapse", "molecular_relapse", "molecular_response"}
)
#: Reported labels that a derived NR confirms (ELN 2022 "NR"/"SD"/"PD" are all non-response;
#: the counts cannot tell SD from PD, so the more specific reported label is kept).
NON_RESPONSE_LABELS: frozenset[str] = frozenset({"NR", "SD", "PD"})
#: best_response ranking, best first (CR > CRh > CRi > MLFS > PR > SD/NR > PD).
RESPONSE_RANK: dict[str, int] = {
    "CR": 0, "CRh": 1, "CRi": 2, "MLFS": 3, "molecular_response": 4, "PR": 5,
    "SD": 6, "NR": 7, "PD": 8, "molecular_relapse": 9, "relapse": 10,
}
RANK_TO_LABEL = {v: k for k, v in RESPONSE_RANK.items()}
#: Labels in rank order: a label's code in this tuple is its rank.
RANKED_LABELS: tuple[str, ...] = tuple(sorted(RESPONSE_RANK, key=RESPONSE_RANK.__getitem__))
_CRC_CODES = np.array([RESPONSE_RANK[x] for x in sorted(CRC_LABELS)], dtype=np.int8)
_REPORTED_ONLY_CODES = np.array([RESPONSE_RANK[x] for x in REPORTED_ONLY_LABELS], dtype=np.int8)
_NON_RESPONSE_CODES = np.array([RESPONSE_RANK[x] for x in NON_RESPONSE_LABELS], dtype=np.int8)

# ELN 2022 count criteria (Table 9); guideline constants, not study configuration.
CR_BLASTS_LT = 5.0
CR_ANC_MIN = 1.0
CR_PLATELETS_MIN = 100.0
CRH_ANC_MIN = 0.5
CRH_PLATELETS_MIN = 50.0
PR_BLASTS_MAX = 25.0
PR_MIN_DECREASE = 0.5


def label_codes(values: pd.Series) -> np.ndarray:
    """Response labels as their rank codes (int8; -1 = missing or not a response code)."""
    return pd.Categorical(values, categories=RANKED_LABELS).codes.astype(np.int8)


def labels_from_codes(codes: np.ndarray, labels: tuple[str, ...] = RANKED_LABELS) -> np.ndarray:
    """Object array of labels for codes (-1 -> None); a take, no per-row Python."""
    table = np.array([*labels, None], dtype=object)
    return table[np.where(codes < 0, len(labels), codes)]


def _bool_true(s: pd.Series) -> np.ndarray:
    """True where a nullable boolean is True (missing counts as not present)."""
    return s.astype("boolean").fillna(False).to_numpy(dtype=bool)


def previous_blasts_in_line(responses: pd.DataFrame) -> pd.Series:
    """Marrow blasts of the previous assessment (by date) of the same patient and line.

    Rule: ELN 2022 PR is judged against the preceding blast count (the latest earlier
    assessment of the line with marrow blasts); the export has no pre-treatment marrow, so
    the first assessment of a line has no previous value (NaN).
    Source: Döhner et al., Blood 2022 (Table 9, PR).
    """
    if responses.empty:
        return pd.Series(np.nan, index=responses.index, dtype="float64", name="previous_blasts")
    order = responses.sort_values([*KEY, "line", "assessment_date"], kind="mergesort")
    groups = [order[c] for c in (*KEY, "line")]
    prev = order.groupby(groups, sort=False, dropna=False)["bm_blasts_pct"].shift(1)
    # an earlier assessment without a marrow count does not hide the one before it
    prev = prev.groupby(groups, sort=False, dropna=False).ffill()
    return prev.reindex(responses.index).astype("float64").rename("previous_blasts")


def _count_bins(values: np.ndarray, known: np.ndarray, representative: float) -> np.ndarray:
    """The value where known, else a representative of one count bin (for the bin search)."""
    return np.where(known, values, representative)


def possible_responses(
    responses: pd.DataFrame, previous_blasts: pd.Series | None = None
) -> np.ndarray:
    """Per assessment, the set of ELN 2022 responses its counts allow (bitmask of ranks).

    Rule (Döhner et al., Blood 2022;140:1345, Table 9; clinical-rules.md "Response"):
    - marrow blasts < 5 %, no circulating blasts, no extramedullary disease (CRc, at least
      MLFS): CR if ANC >= 1.0 and platelets >= 100; else CRh if ANC >= 0.5 and platelets
      >= 50; else CRi if one lineage is at CR level (ANC >= 1.0 or platelets >= 100); else
      MLFS. A missing ANC or platelet count allows every level its bins allow (ANC < 0.5,
      0.5-1.0, >= 1.0; platelets < 50, 50-100, >= 100), so the set is then several levels.
    - marrow blasts < 5 % with circulating blasts or extramedullary disease: NR.
    - marrow blasts 5-25 %: PR with a >= 50 % decrease from the previous assessment of the
      line, else NR; {PR, NR} without a previous assessment (never CRc either way).
    - marrow blasts > 25 %: NR.  Marrow blasts missing: 0 (the counts say nothing).
    Missing circulating_blasts / extramedullary flags are read as absent. ELN 2022's PR
    also asks for CR-level counts; the spec's rule (blasts 5-25 % and >= 50 % decrease) is
    applied as written. CRi vs MLFS: ELN gives no count floor for CRi, so the common trial
    convention is used (CRi = one lineage recovered to CR level, the other not to CRh).
    """
    n = len(responses)
    blasts = pd.to_numeric(responses["bm_blasts_pct"], errors="coerce").to_numpy(dtype=float)
    anc = pd.to_numeric(responses["anc"], errors="coerce").to_numpy(dtype=float)
    plt = pd.to_numeric(responses["platelets"], errors="coerce").to_numpy(dtype=float)
    circ = _bool_true(responses["circulating_blasts"])
    emd = _bool_true(responses["extramedullary"])
    if previous_blasts is None:
        previous_blasts = previous_blasts_in_line(responses)
    prev = pd.to_numeric(previous_blasts, errors="coerce").to_numpy(dtype=float)
    if prev.shape[0] != n:
        raise ValueError("previous_blasts must align with responses")

    has_blasts = ~np.isnan(blasts)
    anc_known, plt_known = ~np.isnan(anc), ~np.isnan(plt)
    with np.errstate(invalid="ignore"):
        low = has_blasts & (blasts < CR_BLASTS_LT)
        clear = low & ~circ & ~emd
        mask = np.zeros(n, dtype=np.int64)
        for anc_rep in (0.0, CRH_ANC_MIN, CR_ANC_MIN):          # one value per ANC bin
            a = _count_bins(anc, anc_known, anc_rep)
            for plt_rep in (0.0, CRH_PLATELETS_MIN, CR_PLATELETS_MIN):
                p = _count_bins(plt, plt_known, plt_rep)
                cr = (a >= CR_ANC_MIN) & (p >= CR_PLATELETS_MIN)
                crh = ~cr & (a >= CRH_ANC_MIN) & (p >= CRH_PLATELETS_MIN)
                cri = ~cr & ~crh & ((a >= CR_ANC_MIN) | (p >= CR_PLATELETS_MIN))
                code = np.select([cr, crh, cri], [RESPONSE_RANK["CR"], RESPONSE_RANK["CRh"],
                                                  RESPONSE_RANK["CRi"]], RESPONSE_RANK["MLFS"])
                mask |= np.where(clear, np.left_shift(1, code), 0)
        mid = has_blasts & (blasts >= CR_BLASTS_LT) & (blasts <= PR_BLASTS_MAX)
        has_prev = ~np.isnan(prev) & (prev > 0)
        pr = mid & has_prev & (blasts <= (1.0 - PR_MIN_DECREASE) * prev)
        nr = (low & (circ | emd)) | (has_blasts & (blasts > PR_BLASTS_MAX)) | (
            mid & has_prev & ~pr)
    mask |= np.where(pr, 1 << RESPONSE_RANK["PR"], 0)
    mask |= np.where(nr, 1 << RESPONSE_RANK["NR"], 0)
    mask |= np.where(mid & ~has_prev, (1 << RESPONSE_RANK["PR"]) | (1 << RESPONSE_RANK["NR"]), 0)
    return mask


def _lowest_level(mask: np.ndarray) -> np.ndarray:
    """The worst response a bitmask allows (highest rank code; -1 for an empty set)."""
    out = np.full(mask.shape, -1, dtype=np.int8)
    for code in range(len(RANKED_LABELS)):
        out = np.where((mask >> code) & 1 == 1, np.int8(code), out)
    return out


def derive_response(
    responses: pd.DataFrame, previous_blasts: pd.Series | None = None
) -> pd.Series:
    """ELN 2022 response from the assessment's counts alone; <NA> without marrow blasts.

    Rule (Döhner et al., Blood 2022;140:1345, Table 9; clinical-rules.md): the response the
    counts give (:func:`possible_responses`) when they decide it, else the lowest level they
    guarantee: marrow blasts < 5 % without circulating blasts or extramedullary disease and
    ANC or platelets missing is at least MLFS (or CRi when one lineage is known to be at CR
    level); blasts 5-25 % without an earlier assessment is not CRc, and without the
    >= 50 % decrease documented it is NR.
    """
    codes = _lowest_level(possible_responses(responses, previous_blasts))
    return pd.Series(labels_from_codes(codes), index=responses.index, dtype="object",
                     name="response_derived")


def reconcile_responses(responses: pd.DataFrame) -> pd.DataFrame:
    """Per assessment: derived response, the response used, its source, and discrepancy.

    Rule (clinical-rules.md "Response to therapy"): counts decide where they are present;
    the reported label is optional.
    - relapse and molecular_relapse are reported-only (counts cannot show them);
      molecular_response is kept unless the counts rule out CRc.
    - counts allow exactly one response: it is used (source ``derived``); a reported SD or
      PD is kept where the counts give NR (same non-response category, more specific).
    - counts allow several levels (ANC or platelets missing; PR vs NR without an earlier
      assessment) and the reported label is one of them: the reported label gives the level
      (source ``reported``); CRc membership is still the counts'.
    - the reported label is not among them, or there is none: the lowest level the counts
      guarantee is used (source ``derived``); e.g. blasts >= 5 % with a reported CR is not
      CRc whatever was reported.
    - no marrow blasts: the reported label (source ``reported``), or <NA>.
    ``response_derived`` is the counts' answer (their single response or the lowest level
    they guarantee); ``response_discrepant`` is True where a reported label is not allowed
    by the counts (a derived NR beside a reported SD/PD is no disagreement).
    """
    cols = [*KEY, "line", "cycle", "assessment_date"]
    out = responses[cols].copy()
    rep = label_codes(responses["response"])
    mask = possible_responses(responses)
    der = _lowest_level(mask)
    has_counts = mask != 0
    crc_bits = int(np.bitwise_or.reduce(np.left_shift(1, _CRC_CODES.astype(np.int64))))
    rep_only = np.isin(rep, _REPORTED_ONLY_CODES)
    # molecular_response stands for morphological CR: only counts that exclude CRc overrule it
    mol_resp = rep == RESPONSE_RANK["molecular_response"]
    rep_only = rep_only & ~(mol_resp & has_counts & ((mask & crc_bits) == 0))
    rep_bit = np.where(rep >= 0, np.left_shift(1, np.maximum(rep, 0).astype(np.int64)), 0)
    allowed = (rep >= 0) & ((mask & rep_bit) != 0)
    same_category = np.isin(rep, _NON_RESPONSE_CODES) & ((mask >> RESPONSE_RANK["NR"]) & 1 == 1)
    single = has_counts & ((mask & (mask - 1)) == 0)
    use_counts = has_counts & ~rep_only
    keep_reported = rep_only | ~has_counts | (use_counts & (allowed | same_category))
    final = np.where(keep_reported, rep, der)
    source = np.where(
        use_counts & (single | ~(allowed | same_category)), 0,
        np.where(final >= 0, 1, -1))
    original = responses["response"].to_numpy(dtype=object)
    used = labels_from_codes(final)
    keep = (final < 0) & (rep < 0) & ~use_counts  # a label outside the canonical codes stays
    used[keep] = original[keep]
    out["response_reported"] = original
    out["response_derived"] = labels_from_codes(np.where(rep_only, -1, der))
    out["response"] = used
    out["response_source"] = labels_from_codes(source, ("derived", "reported"))
    out["response_discrepant"] = use_counts & (rep >= 0) & ~allowed & ~same_category
    out["response_undetermined"] = (final < 0) & pd.isna(original)
    for c in ("bm_blasts_pct", "anc", "platelets"):
        out[f"_{c}"] = pd.to_numeric(responses[c], errors="coerce").to_numpy(dtype=float)
    return out


def _count_text(values: pd.Series) -> pd.Series:
    """Counts as short text for reasons ("?" when missing), vectorised."""
    v = pd.to_numeric(values, errors="coerce")
    txt = v.round(2).astype("string").str.replace(r"\.0$", "", regex=True)
    return txt.fillna("?").astype("object")


def response_discrepancies(reconciled: pd.DataFrame) -> pd.DataFrame:
    """Discrepancy rows from reconcile_responses: a reported response the ELN 2022 counts do
    not allow, and an assessment with neither a label nor marrow blasts (undetermined)."""
    disc = reconciled["response_discrepant"].to_numpy(dtype=bool)
    undet = (reconciled["response_undetermined"].to_numpy(dtype=bool)
             if "response_undetermined" in reconciled else np.zeros(len(reconciled), bool))
    d = reconciled.loc[disc | undet]
    where = ("line " + small_int_text(d["line"]) + ", cycle " + small_int_text(d["cycle"], "-")
             + ", " + date_text(d["assessment_date"]))
    if "_bm_blasts_pct" in d:
        counts = ("; marrow blasts " + _count_text(d["_bm_blasts_pct"]) + " %, ANC "
                  + _count_text(d["_anc"]) + ", platelets " + _count_text(d["_platelets"]))
    else:
        counts = pd.Series("", index=d.index, dtype="object")
    undet_d = undet[disc | undet]
    reason = np.where(
        undet_d,
        ("no reported response and no marrow blast count (" + where + counts
         + "): response undetermined").to_numpy(dtype=object),
        ("ELN 2022 response from counts (" + where + counts + ")").to_numpy(dtype=object))
    return pd.DataFrame({
        "centre_id": d["centre_id"], "patient_id": d["patient_id"], "variable": "response",
        "reported": d["response_reported"], "derived": d["response_derived"],
        "reason": reason,
    }).reset_index(drop=True)


def date_text(dates: pd.Series) -> pd.Series:
    """ISO dates as text ("?" when missing), vectorised (numpy datetime_as_string)."""
    arr = dates.to_numpy(dtype="datetime64[ns]")
    txt = np.datetime_as_string(arr, unit="D").astype(object)
    txt[np.isnat(arr)] = "?"
    return pd.Series(txt, index=dates.index, dtype="object")


def small_int_text(values: pd.Series, missing: str = "?") -> pd.Series:
    """Small non-negative integers as text via a lookup table (no per-row formatting)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(v) & (v >= 0) & (v < 1000)
    table = np.array([str(i) for i in range(1000)] + [missing], dtype=object)
    return pd.Series(table[np.where(ok, np.nan_to_num(v, nan=0), 1000).astype(np.int64)],
                     index=values.index, dtype="object")


def salvage_line_response(
    reconciled: pd.DataFrame, salvage: pd.DataFrame
) -> pd.DataFrame:
    """Per patient: response to the salvage line (clinical-rules.md, "Per salvage line").

    ``salvage`` has centre_id, patient_id, salvage_line, salvage_cycles, hsct_date.
    Rules: an assessment whose response is undetermined (no label, no marrow blasts) is
    left out; an assessment with no cycle in a line of exactly one cycle counts as end of
    cycle 1. ``c1_response`` = CRc at an end-of-cycle-1 assessment (<NA> when cycle 1 was
    not assessed); ``crc_ever`` = CRc at any assessment of the line (<NA> without
    assessments); ``response_timing`` = early (CRc at end of cycle 1), late (first CRc
    after cycle 1: CRc at cycle >= 2, or CRc when cycle 1 was assessed without CRc), none
    (assessed, never CRc), <NA> otherwise; ``best_response`` by CR > CRh > CRi > MLFS >
    PR > SD/NR > PD; ``pre_hsct_status`` = CRc / refractory from the last assessment of
    the line dated on or before hsct_date (<NA> when not transplanted or not assessed).
    """
    base = salvage[KEY].copy()
    if reconciled.empty or salvage.empty:
        return _empty_line_response(base)
    s = salvage.loc[salvage["salvage_line"].notna(),
                    [*KEY, "salvage_line", "salvage_cycles", "hsct_date"]]
    r = reconciled[[*KEY, "line", "cycle", "assessment_date", "response"]]
    r = r.loc[r["response"].notna()]     # an undetermined assessment says nothing
    m = r.merge(s, left_on=[*KEY, "line"], right_on=[*KEY, "salvage_line"], how="inner")
    if m.empty:
        return _empty_line_response(base)
    cycle = m["cycle"].astype("Float64")
    one_cycle_line = m["salvage_cycles"].astype("Float64").eq(1).fillna(False)
    cycle = cycle.where(cycle.notna() | ~one_cycle_line, 1.0)
    m["_c1"] = cycle.le(1).fillna(False).to_numpy(dtype=bool)
    m["_later"] = cycle.ge(2).fillna(False).to_numpy(dtype=bool)
    codes = label_codes(m["response"])
    m["_crc"] = np.isin(codes, _CRC_CODES)
    m["_rank"] = np.where(codes < 0, np.nan, codes.astype(np.float64))
    m["_c1_crc"] = m["_c1"] & m["_crc"]
    m["_later_crc"] = m["_later"] & m["_crc"]
    g = m.groupby(KEY, sort=False)
    agg = g.agg(
        _n=("_crc", "size"), _any_c1=("_c1", "any"), _c1_crc=("_c1_crc", "any"),
        _crc=("_crc", "any"), _later_crc=("_later_crc", "any"), _best=("_rank", "min"),
    ).reset_index()
    c1 = pd.array(agg["_c1_crc"].to_numpy(), dtype="boolean")
    c1[~agg["_any_c1"].to_numpy()] = pd.NA
    agg["c1_response"] = c1
    agg["crc_ever"] = pd.array(agg["_crc"].to_numpy(), dtype="boolean")
    early = agg["_c1_crc"].to_numpy()
    late = agg["_crc"].to_numpy() & ~early & (agg["_later_crc"].to_numpy()
                                               | agg["_any_c1"].to_numpy())
    none_ = ~agg["_crc"].to_numpy()
    timing = np.select([early, late, none_], ["early", "late", "none"], default="")
    agg["response_timing"] = pd.Series(timing, dtype="object").where(timing != "", None)
    agg["best_response"] = agg["_best"].map(RANK_TO_LABEL).astype("object")
    agg["best_response"] = agg["best_response"].where(agg["best_response"].notna(), None)

    pre = m.loc[m["hsct_date"].notna() & (m["assessment_date"] <= m["hsct_date"])]
    pre = pre.sort_values([*KEY, "assessment_date", "_rank"], ascending=[True, True, True, False],
                          kind="mergesort", na_position="first")
    last = pre.drop_duplicates(KEY, keep="last")[[*KEY, "_crc"]]
    last = last.assign(pre_hsct_status=np.where(last["_crc"], "CRc", "refractory"))
    out = base.merge(agg[[*KEY, "c1_response", "crc_ever", "response_timing", "best_response"]],
                     on=KEY, how="left")
    out = out.merge(last[[*KEY, "pre_hsct_status"]], on=KEY, how="left")
    out["c1_response"] = out["c1_response"].astype("boolean")
    out["crc_ever"] = out["crc_ever"].astype("boolean")
    for c in ("response_timing", "best_response", "pre_hsct_status"):
        out[c] = out[c].astype("object").where(out[c].notna(), None)
    return out


def _empty_line_response(base: pd.DataFrame) -> pd.DataFrame:
    out = base.copy()
    out["c1_response"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["crc_ever"] = pd.array([pd.NA] * len(out), dtype="boolean")
    for c in ("response_timing", "best_response", "pre_hsct_status"):
        out[c] = pd.Series([None] * len(out), index=out.index, dtype="object")
    return out
