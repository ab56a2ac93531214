"""Treatment-line regimens, the salvage line and the study cohorts.

Source: ../shared/spec/clinical-rules.md ("Cohorts") and outcomes.md (the AURAML/VENAURA
study: AZA/VEN salvage for R/R AML before allogeneic HSCT vs an IC-salvaged comparator).
Regimen texts are classified once per distinct string (a catalogue), then mapped back to
the rows, so the per-row work is vectorised.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

KEY = ["centre_id", "patient_id"]
RR_INDICATIONS: frozenset[str] = frozenset({"refractory", "relapse", "molecular_relapse"})

#: Agent catalogue: written token -> agent code. Tokens are upper-case pieces of the
#: regimen split on separators (space - + / , ; & and the words AND/WITH/PLUS).
HMA_AGENTS: dict[str, str] = {
    "AZA": "AZA", "AZACITIDINE": "AZA", "AZACYTIDINE": "AZA", "5AZA": "AZA", "AZAC": "AZA",
    "VIDAZA": "AZA", "ORALAZA": "AZA", "CC486": "AZA", "ONUREG": "AZA",
    "DEC": "DEC", "DECITABINE": "DEC", "DAC": "DEC", "DACOGEN": "DEC", "INQOVI": "DEC",
    "ASTX727": "DEC",
}
VEN_AGENTS: dict[str, str] = {
    "VEN": "VEN", "VENETOCLAX": "VEN", "VENCLEXTA": "VEN", "VENCLYXTO": "VEN", "ABT199": "VEN",
}
#: Intensive-chemotherapy regimens and agents (ELN 2022 "intensive" induction/salvage).
IC_AGENTS: dict[str, str] = {
    "IC73": "7+3", "FLAG": "FLAG", "FLAGIDA": "FLAG-Ida", "IDAFLAG": "FLAG-Ida", "FLA": "FLAG",
    "CPX351": "CPX-351", "VYXEOS": "CPX-351", "HIDAC": "HiDAC", "HDAC": "HiDAC",
    "HDARAC": "HiDAC", "IDAC": "HiDAC", "HIGHDOSEARAC": "HiDAC", "MEC": "MEC", "EMA": "MEC",
    "MICE": "MICE", "ICE": "ICE", "CLARA": "CLARA", "CLOFARA": "CLARA", "CLAG": "CLAG",
    "CLAGM": "CLAG", "GO": "GO", "GOBASED": "GO", "MYLOTARG": "GO", "GEMTUZUMAB": "GO",
    "DA": "7+3", "IA": "7+3", "ICE-IDA": "ICE", "MIDAM": "MIDAM", "HAM": "HAM",
    "ARAC": "cytarabine", "CYTARABINE": "cytarabine", "IDA": "idarubicin",
    "IDARUBICIN": "idarubicin", "DNR": "daunorubicin", "DAUNO": "daunorubicin",
    "DAUNORUBICIN": "daunorubicin", "MITOXANTRONE": "mitoxantrone", "MITO": "mitoxantrone",
    "ETOPOSIDE": "etoposide", "VP16": "etoposide", "CLOFARABINE": "clofarabine",
    "CLO": "clofarabine", "AMSA": "amsacrine", "AMSACRINE": "amsacrine", "FLUDARABINE": "FLAG",
    "FLU": "FLAG", "GCSF": "FLAG",
}
#: Low-intensity or targeted agents that are neither HMA, venetoclax nor IC.
OTHER_AGENTS: dict[str, str] = {
    "LDAC": "LDAC", "LDARAC": "LDAC", "LOWDOSEARAC": "LDAC", "GILTERITINIB": "gilteritinib",
    "GILT": "gilteritinib", "MIDOSTAURIN": "midostaurin", "MIDO": "midostaurin",
    "SORAFENIB": "sorafenib", "QUIZARTINIB": "quizartinib", "IVOSIDENIB": "ivosidenib",
    "IVO": "ivosidenib", "ENASIDENIB": "enasidenib", "ENA": "enasidenib", "HU": "hydroxyurea",
    "HYDROXYUREA": "hydroxyurea", "BSC": "BSC", "DLI": "DLI", "MAGROLIMAB": "magrolimab",
}
_SPLIT = re.compile(r"[\s\-+/,;&()]+|\b(?:AND|WITH|PLUS|THEN)\b")
_PRE = (
    (re.compile(r"\b(?:7\s*\+\s*3|3\s*\+\s*7|7\s*-\s*3|3\s*-\s*7)\b"), " IC73 "),
    (re.compile(r"ARA\s*-?\s*C"), "ARAC"),
    (re.compile(r"CPX\s*-?\s*351"), "CPX351"),
    (re.compile(r"\b5\s*-\s*AZA"), "5AZA"),
    (re.compile(r"CC\s*-\s*486"), "CC486"),
    (re.compile(r"ABT\s*-\s*199"), "ABT199"),
    (re.compile(r"VP\s*-\s*16"), "VP16"),
    (re.compile(r"G\s*-\s*CSF"), "GCSF"),
    (re.compile(r"LOW\s*-?\s*DOSE\s*(?:ARAC|CYTARABINE)"), "LDAC"),
    (re.compile(r"HIGH\s*-?\s*DOSE\s*(?:ARAC|CYTARABINE)"), "HIDAC"),
    (re.compile(r"\bGO\s*-\s*BASED\b"), "GOBASED"),
    (re.compile(r"FLAG\s*-?\s*IDA"), "FLAGIDA"),
    (re.compile(r"CLAG\s*-?\s*M\b"), "CLAGM"),
    (re.compile(r"IDA\s*-?\s*FLAG"), "IDAFLAG"),
)


def classify_regimen_text(text: str | None) -> dict[str, object]:
    """Classify one written regimen: agents, class and unknown tokens (catalogue look-up).

    Rule (clinical-rules.md, "Cohorts"): AZA/VEN = an HMA (azacitidine or decitabine) AND
    venetoclax, however written; IC = any intensive-chemotherapy agent or regimen (7+3,
    FLAG(-Ida), CPX-351, HiDAC, MEC, CLARA, GO-based, ...) without venetoclax+HMA; HMA =
    azacitidine/decitabine without venetoclax or IC; ``other`` = only catalogued
    non-intensive agents (LDAC, targeted drugs); ``unknown`` = no catalogued agent.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return {"regimen_class": None, "agents": "", "unknown_tokens": "", "has_hma": False}
    s = str(text).upper()
    for pattern, repl in _PRE:
        s = pattern.sub(repl, s)
    tokens = [t for t in _SPLIT.split(s) if t]
    agents: set[str] = set()
    unknown: list[str] = []
    has_hma = has_ven = has_ic = has_other = False
    for t in tokens:
        tt = t.replace(".", "")
        if tt in HMA_AGENTS:
            has_hma = True
            agents.add(HMA_AGENTS[tt])
        elif tt in VEN_AGENTS:
            has_ven = True
            agents.add("VEN")
        elif tt in IC_AGENTS:
            has_ic = True
            agents.add(IC_AGENTS[tt])
        elif tt in OTHER_AGENTS:
            has_other = True
            agents.add(OTHER_AGENTS[tt])
        elif tt in {"BASED", "REGIMEN", "X", "CYCLES", "CYCLE", "C1"} or tt.isdigit():
            continue
        else:
            unknown.append(t)
    if has_hma and has_ven:
        cls = "azaven"
    elif has_ic:
        cls = "ic"
    elif has_hma:
        cls = "hma"
    elif has_ven or has_other:
        cls = "other"
    else:
        cls = "unknown"
    return {
        "regimen_class": cls, "agents": "+".join(sorted(agents)),
        "unknown_tokens": " ".join(unknown), "has_hma": has_hma,
    }


def classify_regimens(regimens: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`classify_regimen_text`: one catalogue look-up per distinct text.

    Returns a frame aligned on ``regimens.index`` with regimen_class, agents,
    unknown_tokens and has_hma.
    """
    uniques = pd.Series(regimens.dropna().unique())
    table = pd.DataFrame([classify_regimen_text(u) for u in uniques])
    if table.empty:
        table = pd.DataFrame(columns=["regimen_class", "agents", "unknown_tokens", "has_hma"])
    table.index = pd.Index(uniques, dtype="object")
    codes = pd.Index(uniques, dtype="object").get_indexer(regimens.astype("object"))
    out = pd.DataFrame(index=regimens.index)
    for col in ("regimen_class", "agents", "unknown_tokens"):
        vals = table[col].to_numpy(dtype=object)
        arr = np.where(codes >= 0, vals[np.clip(codes, 0, None)] if len(vals) else None, None)
        out[col] = pd.Series(arr, index=regimens.index, dtype="object")
    hma = table["has_hma"].to_numpy(dtype=bool)
    out["has_hma"] = np.where(codes >= 0, hma[np.clip(codes, 0, None)] if len(hma) else False,
                              False)
    return out


def unknown_treatment_regimens(treatment_lines: pd.DataFrame) -> pd.DataFrame:
    """Distinct treatment-line regimen texts the catalogue could not classify, with counts.

    Rule: a regimen with no catalogued agent (class ``unknown``) or with tokens outside the
    catalogue is listed so that the catalogue can be extended (clinical-rules.md).
    """
    cls = classify_regimens(treatment_lines["regimen"])
    bad = cls["regimen_class"].eq("unknown") | cls["unknown_tokens"].fillna("").ne("")
    counts = treatment_lines.loc[bad, "regimen"].value_counts()
    return pd.DataFrame({
        "regimen": counts.index.astype("object"), "kind": "treatment_line",
        "count": counts.to_numpy(dtype="int64"),
    })


def identify_salvage_line(
    treatment_lines: pd.DataFrame, first_hsct: pd.DataFrame, patients: pd.DataFrame
) -> pd.DataFrame:
    """Per patient: the salvage line and the cohort variables derived from it.

    Rules (clinical-rules.md "Cohorts"; outcomes.md study counts):
    - salvage line = the last line (highest line number) started before the first
      allograft's hsct_date; for non-transplanted patients the last line.
    - cohort: ``azaven_rr`` = AZA/VEN salvage with indication refractory, relapse or
      molecular_relapse; ``azaven_frontline`` = AZA/VEN given as frontline;
      ``ic_comparator`` = IC salvage with an R/R indication (transplanted or not:
      analysts restrict to hsct_date not null); ``other`` otherwise (incl. no lines).
    - salvage_setting (R/R AZA/VEN or IC salvage only): ``molecular_relapse`` when the
      salvage indication is molecular relapse (takes precedence: the study's 240/29/36
      partition of 305 R/R), else ``post_hma`` when the frontline (line 1) contained an
      HMA (HMA alone or AZA/VEN), else ``post_ic`` when the frontline was IC, else <NA>.
    - lines_before_salvage = number of treatment lines (any therapy: IC or HMA) before the
      salvage line, the study's "treatment lines before AZA/VEN" (Table 1);
      status_before_salvage = the salvage line's R/R indication; prior_hma = any line
      before the salvage line contained an HMA (ELN 2024 applicability).
    ``first_hsct`` has centre_id, patient_id, hsct_date; ``patients`` gives the rows.
    """
    base = patients[KEY].drop_duplicates().reset_index(drop=True)
    tl = treatment_lines[[*KEY, "line", "regimen", "indication", "start_date", "cycles"]].copy()
    cls = classify_regimens(tl["regimen"])
    tl["regimen_class"] = cls["regimen_class"]
    tl["has_hma"] = cls["has_hma"]
    tl = tl.merge(first_hsct[[*KEY, "hsct_date"]], on=KEY, how="left")
    before = tl["hsct_date"].isna() | (tl["start_date"] < tl["hsct_date"])
    eligible = tl.loc[before & tl["line"].notna()]
    eligible = eligible.sort_values([*KEY, "line", "start_date"], kind="mergesort")
    sal = eligible.drop_duplicates(KEY, keep="last")
    sal = sal.rename(columns={
        "line": "salvage_line", "regimen": "salvage_regimen", "regimen_class":
        "salvage_regimen_class", "indication": "salvage_indication",
        "start_date": "salvage_start_date", "cycles": "salvage_cycles",
    })[[*KEY, "salvage_line", "salvage_regimen", "salvage_regimen_class",
        "salvage_indication", "salvage_start_date", "salvage_cycles"]]

    prior = tl.merge(sal[[*KEY, "salvage_line"]], on=KEY, how="inner")
    prior = prior.loc[prior["line"] < prior["salvage_line"]]
    prior = prior.assign(_line=1, _hma=prior["has_hma"].astype(bool))
    agg = prior.groupby(KEY, sort=False).agg(
        lines_before_salvage=("_line", "sum"), prior_hma=("_hma", "any")).reset_index()
    front = tl.sort_values([*KEY, "line"], kind="mergesort").drop_duplicates(KEY, keep="first")
    front = front.rename(columns={"regimen_class": "frontline_class",
                                  "has_hma": "frontline_hma"})[
        [*KEY, "frontline_class", "frontline_hma"]]

    out = base.merge(sal, on=KEY, how="left").merge(agg, on=KEY, how="left")
    out = out.merge(front, on=KEY, how="left")
    has_sal = out["salvage_line"].notna().to_numpy()
    out["lines_before_salvage"] = pd.array(
        np.where(has_sal, out["lines_before_salvage"].fillna(0).to_numpy(dtype=float), np.nan),
        dtype="Float64").astype("Int64")
    prior_hma = out["prior_hma"].astype("boolean").fillna(False).array.copy()
    prior_hma[~has_sal] = pd.NA
    out["prior_hma"] = prior_hma

    ind = out["salvage_indication"]
    cls_s = out["salvage_regimen_class"]
    rr = ind.isin(RR_INDICATIONS).to_numpy()
    azaven = cls_s.eq("azaven").to_numpy()
    ic = cls_s.eq("ic").to_numpy()
    out["cohort"] = np.select(
        [azaven & rr, azaven & ind.eq("frontline").to_numpy(), ic & rr],
        ["azaven_rr", "azaven_frontline", "ic_comparator"], default="other",
    ).astype(object)
    in_study = (azaven | ic) & rr
    front_hma = out["frontline_hma"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    front_ic = out["frontline_class"].eq("ic").to_numpy()
    setting = np.select(
        [in_study & ind.eq("molecular_relapse").to_numpy(), in_study & front_hma,
         in_study & front_ic],
        ["molecular_relapse", "post_hma", "post_ic"], default="",
    )
    out["salvage_setting"] = pd.Series(setting, dtype="object").where(setting != "", None)
    status = ind.where(ind.isin(RR_INDICATIONS), None)
    out["status_before_salvage"] = status.astype("object")
    out["salvage_cycles"] = out["salvage_cycles"].astype("Int64")
    out["salvage_line"] = out["salvage_line"].astype("Int64")
    cols = [*KEY, "cohort", "salvage_setting", "salvage_line", "salvage_regimen",
            "salvage_regimen_class", "salvage_start_date", "salvage_cycles",
            "status_before_salvage", "lines_before_salvage", "prior_hma"]
    for c in ("salvage_regimen", "salvage_regimen_class"):
        out[c] = out[c].astype("object").where(out[c].notna(), None)
    out["salvage_start_date"] = pd.to_datetime(out["salvage_start_date"])
    return out[cols]
