"""The canonical tables (export-format.md) of one simulated chunk, from its patient frame.

Response counts are consistent with the ELN 2022 category they stand for (Dohner 2022,
Blood 140:1345, Table 9); MRD measurements follow ELN 2021 MRD (Heuser 2021, Blood 138:2753).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic_registry.calibration import LABEL_LESS, MLFS_WITHOUT_ANC
from synthetic_registry.sampling import choice


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


def build_tables(rng: np.random.Generator, pat: pd.DataFrame, mutations: pd.DataFrame,
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
