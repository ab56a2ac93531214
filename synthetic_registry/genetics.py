"""Genetic profiles at diagnosis: ISCN 2020 karyotypes and the myeloid mutation panel.

Profiles are drawn from nine archetypes whose joint ELN 2022 x ELN 2024 classes reproduce
the study's tables (Bone Marrow Transplantation 2026, AURAML/VENAURA: ELN 2022 9/19/45 and
ELN 2024 46/15/12 of 73 classifiable; adverse cytogenetics 22/75, complex 18/75).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: The panel every laboratory runs (a gene with no row was not tested).
PANEL: tuple[str, ...] = (
    "NPM1", "FLT3", "CEBPA", "TP53", "IDH1", "IDH2", "DDX41", "NRAS", "KRAS", "ASXL1",
    "BCOR", "EZH2", "RUNX1", "SF3B1", "SRSF2", "STAG2", "U2AF1", "ZRSR2", "DNMT3A", "TET2",
)
#: Genes older panels sometimes did not include (only ever dropped when wild type).
OPTIONAL_GENES = ("DDX41", "BCOR", "EZH2", "ZRSR2", "STAG2", "U2AF1", "DNMT3A", "TET2")
MDS_GENES = ("ASXL1", "BCOR", "EZH2", "RUNX1", "SF3B1", "SRSF2", "STAG2", "U2AF1", "ZRSR2")

#: archetype -> (weight per 75 transplanted patients, ELN 2022 truth, ELN 2024 truth)
ARCHETYPES: dict[str, tuple[int, str, str]] = {
    "unknown": (2, "unknown", "unknown"),            # no karyotype, no panel
    "tp53_complex": (10, "adverse", "adverse"),
    "tp53_mono": (2, "adverse", "adverse"),          # TP53 with -7 or del(5q)
    "cbf_ras": (2, "favorable", "intermediate"),
    "npm1_itd": (5, "intermediate", "intermediate"),
    "itd": (2, "intermediate", "intermediate"),
    "ras_t911": (1, "intermediate", "intermediate"),
    "ras_mds": (2, "adverse", "intermediate"),
    "ras_complex": (2, "adverse", "intermediate"),
    "itd_inv3": (1, "adverse", "intermediate"),
    "npm1": (4, "favorable", "favorable"),
    "cebpa": (1, "favorable", "favorable"),
    "cbf": (2, "favorable", "favorable"),
    "intermediate": (11, "intermediate", "favorable"),
    "mds_complex": (6, "adverse", "favorable"),
    "t69": (1, "adverse", "favorable"),
    "mds_gene": (21, "adverse", "favorable"),
}

HGVS = {
    "NPM1": ["p.W288Cfs*12", "p.W288Cfs*12", "p.L287Cfs*12", "p.Q289Lfs*12"],
    "TP53": ["p.R273H", "p.R248Q", "p.Y220C", "p.R175H", "p.M237I", "p.C238Y"],
    "IDH1": ["p.R132H", "p.R132C"],
    "IDH2": ["p.R140Q", "p.R172K"],
    "DDX41": ["p.M1I", "p.D140Gfs*2", "p.R525H"],
    "NRAS": ["p.G12D", "p.G13D", "p.Q61K"],
    "KRAS": ["p.G12D", "p.G13D", "p.G12V"],
    "ASXL1": ["p.G646Wfs*12", "p.E635Rfs*15"],
    "BCOR": ["p.R1454*", "p.E1441fs"],
    "EZH2": ["p.R690H", "p.Y646N"],
    "RUNX1": ["p.R201Q", "p.D198N", "p.R166Q"],
    "SF3B1": ["p.K700E", "p.K666N"],
    "SRSF2": ["p.P95H", "p.P95L"],
    "STAG2": ["p.R614*", "p.Q1010*"],
    "U2AF1": ["p.S34F", "p.Q157R"],
    "ZRSR2": ["p.R448fs", "p.E362*"],
    "DNMT3A": ["p.R882H", "p.R882C", "p.R736H"],
    "TET2": ["p.Q1274*", "p.H1881R", "p.S1612fs"],
}

# ISCN 2020 strings; {X} is the sex-chromosome complement (XX or XY) and {n}/{m} clone sizes.
NORMAL = ["46,{X}[20]", "46,{X}[20]", "46,{X}[25]", "46,{X}[15]"]
INTERMEDIATE_KARYO = [
    "47,{X},+8[12]/46,{X}[8]", "46,{X},del(9)(q13q22)[10]/46,{X}[10]",
    "46,{X},t(9;11)(p21.3;q23.3)[20]", "47,{X},+8[20]", "46,{X},del(20)(q11.2q13.1)[6]/46,{X}[14]",
]
FAVORABLE_KARYO = [
    "46,{X},t(8;21)(q22;q22.1)[20]", "46,{X},inv(16)(p13.1q22)[18]/46,{X}[2]",
    "46,{X},t(8;21)(q22;q22.1)[15]/46,{X}[5]", "46,{X},t(16;16)(p13.1;q22)[20]",
]
MONO_KARYO = [
    "45,{X},-7[20]", "46,{X},del(5)(q13q33)[14]/46,{X}[6]", "45,{X},-7[12]/46,{X}[8]",
]
COMPLEX_MONOSOMAL = [
    "43,{X},-5,-7,-17,+mar[15]/46,{X}[5]",
    "45,{X},del(5)(q13q33),-7,del(17)(p11.2)[18]/46,{X}[2]",
    "45,{X},-7[6]/44,idem,del(5)(q13q33),-17[10]/46,{X}[4]",
    "46,{X},t(3;5)(q21;q31)[3]/45,sl,-7,del(12)(p12)[15]",
    "44,{X},-5,add(12)(p13),-18,+mar[12]/46,{X}[8]",
    "45,{X},del(5)(q22q35),-7,+8,-17,+mar1[20]",
]
COMPLEX_NON_MONOSOMAL = [
    "47,{X},+8,del(5)(q13q33),add(17)(p11.2)[20]",
    "46,{X},del(5)(q13q33),t(1;3)(p36;q21),del(20)(q11.2)[16]/46,{X}[4]",
    "48,{X},+8,+11,del(7)(q22q36)[11]/46,{X}[9]",
]


# --- the written form: what laboratories write for the same finding -------------------
# (spec/clinical-rules.md "What laboratories actually write"). Chosen by patient position,
# not by the random stream, so the simulated truth and every later draw are unchanged.

#: band names of the ISCN editions and genome builds (older -> current), same rearrangement.
BAND_EDITIONS: tuple[tuple[str, str], ...] = (
    ("t(8;21)(q22;q22.1)", "t(8;21)(q21.3;q22.12)"),
    ("inv(16)(p13.1q22)", "inv(16)(p13.1q22.1)"),
    ("t(16;16)(p13.1;q22)", "t(16;16)(p13.1;q22.1)"),
    ("t(6;9)(p23;q34.1)", "t(6;9)(p22.3;q34.1)"),
    ("t(9;11)(p21.3;q23.3)", "t(9;11)(p22;q23)"),
    ("inv(3)(q21.3q26.2)", "inv(3)(q21q26.2)"),
)
#: ISCN 2020 in situ results appended after a period (ch. 13)
NORMAL_FISH = (".nuc ish(RUNX1,RUNX1T1)x2[200]", ".nuc ish(KMT2Ax2)[200]",
               ".nuc ish(CBFBx2)[200]", " nuc ish(EGR1,D5S23)x2[200]")
CBF_FISH = {"t(8;21)": ".nuc ish(RUNX1T1,RUNX1)x3(RUNX1T1 con RUNX1x2)[180/200]",
            "inv(16)": ".nuc ish(CBFBx2)(5'CBFB sep 3'CBFBx1)[160/200]",
            "t(16;16)": ".nuc ish(CBFBx2)(5'CBFB sep 3'CBFBx1)[150/200]"}
#: fusions reported molecularly (RT-PCR), HGNC and legacy spellings
FUSIONS = {"t(8;21)": ("RUNX1::RUNX1T1", "AML1-ETO"), "inv(16)": ("CBFB::MYH11", "CBFB-MYH11"),
           "t(16;16)": ("CBFB::MYH11", "CBFB::MYH11"), "t(9;11)": ("KMT2A::MLLT3", "MLL-AF9"),
           "t(6;9)": ("DEK::NUP214", "DEK-NUP214")}
ITD_TEXT = ("ITD", "internal tandem duplication, AR {ar:.2f}", "ITD positive",
            "FLT3-ITD (allelic ratio {ar:.2f})")
TKD_TEXT = ("TKD", "TKD p.D835Y; ITD negative", "D835Y", "p.D835H (TKD), no ITD")
BZIP_TEXT = ("bZIP in-frame", "p.K313dup", "p.E316_L317insQ", "bZIP inframe")
_NORMAL = re.compile(r"^46,X[XY]\[(\d+)\]$")


def written_karyotypes(kar: np.ndarray, tested: np.ndarray) -> np.ndarray:
    """The karyotypes as laboratories write them: a third with other band names, some with
    an in-situ suffix, some normal ones with a single abnormal cell (not a clone, ISCN 2020
    11.1.1). The finding, and so every rule's answer, is unchanged."""
    out = kar.copy()
    for i, text in enumerate(kar):
        if not text:
            continue
        if i % 3 == 0:
            for old, new in BAND_EDITIONS:
                text = text.replace(old, new)
        m = _NORMAL.match(text)
        if m and i % 9 == 4 and int(m.group(1)) > 1:
            text = f"{text[:text.index('[')]}[{int(m.group(1)) - 1}]/45,{text[3:5]},-7[1]"
        elif m and i % 4 == 1:
            text += NORMAL_FISH[i // 4 % len(NORMAL_FISH)]
        elif i % 4 == 2 and tested[i]:
            text += next((f for k, f in CBF_FISH.items() if k in text), "")
        out[i] = text
    return out


def _written_variants(variant: dict[str, np.ndarray], vaf: dict[str, np.ndarray],
                      mut: dict[str, np.ndarray]) -> None:
    """FLT3 and CEBPA variant text in the laboratories' spellings (in place)."""
    flt3, cebpa = variant["FLT3"], variant["CEBPA"]
    for i in np.flatnonzero(mut["FLT3"]):
        v = float(vaf["FLT3"][i]) if not np.isnan(vaf["FLT3"][i]) else 0.2
        if flt3[i] == "ITD":
            flt3[i] = ITD_TEXT[i % len(ITD_TEXT)].format(ar=round(v / (1 - v), 2))
        elif flt3[i] == "TKD":
            flt3[i] = TKD_TEXT[i % len(TKD_TEXT)]
    for i in np.flatnonzero(mut["CEBPA"]):
        if cebpa[i] == "bZIP in-frame":
            cebpa[i] = BZIP_TEXT[i % len(BZIP_TEXT)]


def _fusion_rows(mutations: pd.DataFrame, kar: np.ndarray, tested: np.ndarray,
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """Every other patient with a recurrent rearrangement also has it reported as a fusion
    transcript (RT-PCR), in HGNC or legacy spelling; a sixth of those reported CBF fusions
    come with a failed karyotype (the fusion then decides, spec/clinical-rules.md)."""
    kar = kar.copy()
    rows, genes = [], []
    for i, text in enumerate(kar):
        if not tested[i] or i % 2:
            continue
        key = next((k for k in FUSIONS if k in text), None)
        if key is None:
            continue
        rows.append(i)
        genes.append(FUSIONS[key][i // 2 % 2])
        if key in ("t(8;21)", "inv(16)") and i % 12 == 0:
            kar[i] = ""
    if not rows:
        return mutations, kar
    extra = pd.DataFrame({"_row": rows, "gene": genes, "detected": True,
                          "variant": [("RT-PCR" if j % 4 else None) for j in rows],
                          "vaf": np.nan})
    out = pd.concat([mutations, extra], ignore_index=True)
    out = out.iloc[np.argsort(out["_row"].to_numpy(), kind="stable")].reset_index(drop=True)
    return out, kar


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def draw_genetics(rng: np.random.Generator, archetype: np.ndarray, female: np.ndarray,
                  ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Draw karyotype and panel for each patient of one chunk.

    Returns (mutations long frame with ``_row`` = patient position, per-patient facts with
    keys karyotype, adverse_cyto, complex, eln2022, eln2024, npm1, flt3_itd).
    """
    n = len(archetype)
    sexc = np.where(female, "XX", "XY")
    kar = np.empty(n, dtype=object)
    kar[:] = ""
    adverse_cyto = np.zeros(n, bool)
    complex_k = np.zeros(n, bool)
    mut = {g: np.zeros(n, bool) for g in PANEL}
    variant = {g: np.full(n, None, dtype=object) for g in PANEL}
    tested = np.ones(n, bool)
    u = rng.random(n)

    def idx(name: str) -> np.ndarray:
        return np.flatnonzero(archetype == name)

    def setk(i: np.ndarray, options: list[str]) -> None:
        kar[i] = _pick(rng, options, len(i))

    # unknown: nothing done
    i = idx("unknown")
    tested[i] = False
    # TP53 + complex monosomal
    i = idx("tp53_complex")
    mut["TP53"][i] = True
    setk(i, COMPLEX_MONOSOMAL)
    adverse_cyto[i] = complex_k[i] = True
    j = i[u[i] < 0.25]
    mut["ASXL1"][j] = True
    # TP53 + -7 / del(5q)
    i = idx("tp53_mono")
    mut["TP53"][i] = True
    setk(i, MONO_KARYO)
    adverse_cyto[i] = True
    # CBF + RAS
    i = idx("cbf_ras")
    setk(i, FAVORABLE_KARYO)
    ras = np.where(u[i] < 0.5, "NRAS", "KRAS")
    mut["NRAS"][i[ras == "NRAS"]] = True
    mut["KRAS"][i[ras == "KRAS"]] = True
    # ITD / RAS intermediate: NPM1+ITD, ITD alone, NRAS + t(9;11)
    a, b, c = idx("npm1_itd"), idx("itd"), idx("ras_t911")
    mut["NPM1"][a] = mut["FLT3"][a] = True
    variant["FLT3"][a] = "ITD"
    mut["FLT3"][b] = True
    variant["FLT3"][b] = "ITD"
    setk(np.concatenate([a, b]), NORMAL)
    mut["NRAS"][c] = True
    kar[c] = "46,{X},t(9;11)(p21.3;q23.3)[20]"
    mut["DNMT3A"][a[rng.random(len(a)) < 0.5]] = True
    # RAS adverse: NRAS + RUNX1/ASXL1 normal, KRAS + complex, ITD + inv(3)
    a, b, c = idx("ras_mds"), idx("ras_complex"), idx("itd_inv3")
    mut["NRAS"][a] = True
    gene = np.where(rng.random(len(a)) < 0.5, "RUNX1", "ASXL1")
    mut["RUNX1"][a[gene == "RUNX1"]] = True
    mut["ASXL1"][a[gene == "ASXL1"]] = True
    setk(a, NORMAL)
    mut["KRAS"][b] = True
    setk(b, COMPLEX_NON_MONOSOMAL)
    adverse_cyto[b] = complex_k[b] = True
    mut["FLT3"][c] = True
    variant["FLT3"][c] = "ITD"
    kar[c] = "46,{X},inv(3)(q21.3q26.2)[20]"
    adverse_cyto[c] = True
    # favorable: NPM1 (no ITD), CEBPA bZIP, CBF
    a, b, c = idx("npm1"), idx("cebpa"), idx("cbf")
    mut["NPM1"][a] = True
    setk(a, NORMAL)
    tkd = a[rng.random(len(a)) < 0.25]
    mut["FLT3"][tkd] = True
    variant["FLT3"][tkd] = "TKD"
    mut["DNMT3A"][a[rng.random(len(a)) < 0.4]] = True
    mut["IDH2"][a[rng.random(len(a)) < 0.2]] = True
    mut["CEBPA"][b] = True
    variant["CEBPA"][b] = "bZIP in-frame"
    setk(b, NORMAL)
    setk(c, FAVORABLE_KARYO)
    # intermediate (ELN 2022) / favorable (ELN 2024): normal or intermediate karyotype,
    # IDH1/IDH2/DDX41/TET2/DNMT3A, FLT3-TKD or non-bZIP CEBPA; no NPM1, no MDS gene
    i = idx("intermediate")
    setk(i, NORMAL + INTERMEDIATE_KARYO)
    r = rng.random(len(i))
    mut["IDH1"][i[r < 0.25]] = True
    mut["IDH2"][i[(r >= 0.25) & (r < 0.5)]] = True
    mut["DDX41"][i[(r >= 0.5) & (r < 0.62)]] = True
    t = i[(r >= 0.62) & (r < 0.75)]
    mut["FLT3"][t] = True
    variant["FLT3"][t] = "TKD"
    t = i[(r >= 0.75) & (r < 0.82)]
    mut["CEBPA"][t] = True
    variant["CEBPA"][t] = "p.P23fs (N-terminal)"
    mut["TET2"][i[rng.random(len(i)) < 0.3]] = True
    mut["DNMT3A"][i[rng.random(len(i)) < 0.3]] = True
    # MDS-related adverse: complex without TP53, t(6;9), MDS-related gene
    a, b, c = idx("mds_complex"), idx("t69"), idx("mds_gene")
    setk(a, COMPLEX_MONOSOMAL[:3] + COMPLEX_NON_MONOSOMAL)
    adverse_cyto[a] = complex_k[a] = True
    kar[b] = "46,{X},t(6;9)(p23;q34.1)[20]"
    adverse_cyto[b] = True
    setk(c, NORMAL + NORMAL + INTERMEDIATE_KARYO[:2] + INTERMEDIATE_KARYO[3:])
    kar[c[rng.random(len(c)) < 0.06]] = ""  # karyotype failed / not done
    first = _pick(rng, list(MDS_GENES), len(c))
    for g in MDS_GENES:
        mut[g][c[first == g]] = True
    second = _pick(rng, list(MDS_GENES), len(c))
    keep = rng.random(len(c)) < 0.35
    for g in MDS_GENES:
        mut[g][c[keep & (second == g)]] = True
    mut["IDH2"][c[rng.random(len(c)) < 0.12]] = True
    mut["TET2"][c[rng.random(len(c)) < 0.3]] = True
    # background clonal-haematopoiesis genes elsewhere
    mut["TET2"][idx("tp53_complex")[rng.random(len(idx("tp53_complex"))) < 0.1]] = True

    kar = np.array([k.replace("{X}", s) for k, s in zip(kar, sexc, strict=True)], dtype=object)
    complex_k &= kar != ""

    # long mutation frame
    vaf = {g: np.full(n, np.nan) for g in PANEL}
    for g in PANEL:
        m = mut[g]
        k = int(m.sum())
        if not k:
            continue
        if g == "TP53":
            v = rng.uniform(0.12, 0.85, k)
            low = rng.random(k) < 0.08  # subclonal TP53, still adverse via karyotype
            v[low] = rng.uniform(0.03, 0.09, int(low.sum()))
        elif g == "FLT3":
            v = rng.uniform(0.05, 0.5, k)
        else:
            v = rng.uniform(0.08, 0.48, k)
        vaf[g][m] = np.round(v, 3)
        if g in HGVS:
            fill = m & np.equal(variant[g], None)
            variant[g][fill] = _pick(rng, HGVS[g], int(fill.sum()))
    flt3_itd_truth = mut["FLT3"] & (variant["FLT3"] == "ITD")
    kar = written_karyotypes(kar, tested)
    _written_variants(variant, vaf, mut)
    # genes not tested: only wild-type optional genes, in ~15 % of patients (older panels)
    old_panel = rng.random(n) < 0.15
    rows_pid, rows_gene, rows_det, rows_var, rows_vaf = [], [], [], [], []
    for g in PANEL:
        present = tested.copy()
        if g in OPTIONAL_GENES:
            present &= ~(old_panel & ~mut[g] & (rng.random(n) < 0.6))
        p = np.flatnonzero(present)
        rows_pid.append(p)
        rows_gene.append(np.full(len(p), g, dtype=object))
        rows_det.append(mut[g][p])
        rows_var.append(variant[g][p])
        rows_vaf.append(vaf[g][p])
    pid = np.concatenate(rows_pid)
    order = np.argsort(pid, kind="stable")
    mutations = pd.DataFrame({
        "_row": pid[order],
        "gene": np.concatenate(rows_gene)[order],
        "detected": np.concatenate(rows_det)[order],
        "variant": np.concatenate(rows_var)[order],
        "vaf": np.concatenate(rows_vaf)[order],
    })
    mutations, kar = _fusion_rows(mutations, kar, tested)
    eln22 = np.array([ARCHETYPES[a][1] for a in ARCHETYPES], dtype=object)
    eln24 = np.array([ARCHETYPES[a][2] for a in ARCHETYPES], dtype=object)
    code = pd.Categorical(archetype, categories=list(ARCHETYPES)).codes
    facts = {
        "karyotype": kar,
        "adverse_cyto": adverse_cyto,
        "complex_karyotype": complex_k,
        "eln2022": eln22[code],
        "eln2024": eln24[code],
        "npm1": mut["NPM1"],
        "flt3_itd": flt3_itd_truth,
        "tp53": mut["TP53"],
    }
    return mutations, facts
