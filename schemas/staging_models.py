"""pandera models of the typed staging tables: the structural data dictionary.

Source: ../shared/spec/export-format.md ("Canonical tables"). One model per canonical table,
one field per column with its type, check and description. Key uniqueness is checked
separately (:func:`schemas.staging.duplicate_issues`) so that the first copy of a duplicated
row is kept and later copies are quarantined by name.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.canonical import RESPONSE_CODES, RISK_CODES

#: The counts an assessment's response can be derived from (clinical-rules.md, "Response").
RESPONSE_COUNT_COLUMNS = ("bm_blasts_pct", "anc", "platelets")

#: Text columns are Arrow-backed strings: vectorised checks instead of per-value Python.
Text = Series[pd.StringDtype]
ARROW = {"storage": "pyarrow"}
Date = Series[pa.DateTime]
Int = Series[pd.Int64Dtype]
Bool = Series[pd.BooleanDtype]


class StagingModel(pa.DataFrameModel):
    """Every staging row carries its patient key and lineage."""

    centre_id: Text = pa.Field(dtype_kwargs=ARROW, description="Centre code (folder name of the landing area)")
    delivery: Text = pa.Field(dtype_kwargs=ARROW, description="Export date of the delivery (ISO)")
    source_row: Series[int] = pa.Field(ge=1, description="1-based data row in the source file")
    patient_id: Text = pa.Field(dtype_kwargs=ARROW, str_length={"min_value": 1},
                                       description="Centre-local patient identifier (UPN)")

    class Config:
        strict = False
        coerce = False


class PatientsModel(StagingModel):
    """patients: one row per patient."""

    sex: Text = pa.Field(dtype_kwargs=ARROW, isin=["female", "male"], description="Sex")
    birth_date: Date = pa.Field(description="Date of birth")
    diagnosis_date: Date = pa.Field(description="Date of AML diagnosis")
    aml_type: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=[
        "de_novo", "secondary_mds", "secondary_mpn", "therapy_related"], description="AML type")
    karyotype: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, description="ISCN 2020 karyotype as written")
    eln2022_reported: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=list(RISK_CODES),
                                             description="ELN 2022 risk reported by the centre")
    eln2024_reported: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=list(RISK_CODES),
                                             description="ELN 2024 risk reported by the centre")


class MutationsModel(StagingModel):
    """mutations: one row per gene tested at diagnosis."""

    gene: Text = pa.Field(dtype_kwargs=ARROW, str_matches=r"^[A-Za-z0-9][A-Za-z0-9:/._ ()-]*$",
                          description="HGNC gene symbol, or a fusion (RUNX1::RUNX1T1, AML1-ETO)")
    detected: Bool = pa.Field(description="Mutation detected (false = tested negative)")
    variant: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, description="Variant detail (ITD, TKD, HGVS)")
    vaf: Series[float] = pa.Field(nullable=True, ge=0.0, le=1.0,
                                  description="Variant allele fraction 0-1")


class TreatmentLinesModel(StagingModel):
    """treatment_lines: one row per line of therapy before transplant."""

    line: Int = pa.Field(ge=1, le=20, description="Line number, 1 = frontline")
    regimen: Text = pa.Field(dtype_kwargs=ARROW, str_length={"min_value": 1}, description="Regimen as written")
    indication: Text = pa.Field(dtype_kwargs=ARROW, isin=[
        "frontline", "refractory", "relapse", "molecular_relapse"], description="Indication")
    start_date: Date = pa.Field(description="First day of the line")
    end_date: Date = pa.Field(nullable=True, description="Last day of the line")
    cycles: Int = pa.Field(nullable=True, ge=0, le=50, description="Cycles given in the line")


class ResponsesModel(StagingModel):
    """responses: one row per response assessment."""

    line: Int = pa.Field(ge=1, le=20, description="Treatment line assessed")
    cycle: Int = pa.Field(nullable=True, ge=0, le=50, description="End of which cycle")
    assessment_date: Date = pa.Field(description="Date of the assessment")
    response: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=list(RESPONSE_CODES),
                              description="Reported response; optional when counts are given")
    bm_blasts_pct: Series[float] = pa.Field(nullable=True, ge=0, le=100,
                                            description="Bone-marrow blasts, %")
    anc: Series[float] = pa.Field(nullable=True, ge=0, le=200, description="ANC, 10^9/L")
    platelets: Series[float] = pa.Field(nullable=True, ge=0, le=3000,
                                        description="Platelets, 10^9/L")
    circulating_blasts: Bool = pa.Field(nullable=True, description="Circulating blasts present")
    extramedullary: Bool = pa.Field(nullable=True, description="Extramedullary disease present")

    @pa.dataframe_check(description="a response label, or counts to derive it from")
    def response_or_counts(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        # export-format.md: the label is optional where the counts are given
        counts = df[list(RESPONSE_COUNT_COLUMNS)].notna().any(axis=1)
        return df["response"].notna() | counts


class MrdModel(StagingModel):
    """mrd: one row per MRD measurement."""

    sample_date: Date = pa.Field(description="Sample date")
    method: Text = pa.Field(dtype_kwargs=ARROW, isin=["MFC", "NPM1", "WT1", "other_pcr"],
                                   description="MRD method")
    tissue: Text = pa.Field(dtype_kwargs=ARROW, isin=["BM", "PB"], description="Tissue")
    value: Series[float] = pa.Field(nullable=True, ge=0,
                                    description="MFC %; PCR transcript/control ratio")
    result_reported: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=["positive", "negative"],
                                            description="Result as reported")


class TransplantsModel(StagingModel):
    """transplants: one row per allogeneic HSCT."""

    hsct_number: Int = pa.Field(ge=1, le=5, description="1 = first allograft")
    hsct_date: Date = pa.Field(description="Transplant date, day 0")
    donor_relation: Text = pa.Field(dtype_kwargs=ARROW, isin=[
        "sibling", "other_related", "haploidentical", "unrelated", "cord"],
        description="Donor relation")
    # free text as the laboratory wrote it (10/10, 9/10 (DQB1 mm), haplo): read by
    # clinical_rules.hla_text, whose unreadable forms are listed in harmonised.discrepancies
    hla_match: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, str_length={"min_value": 1},
                               description="HLA match as written, e.g. 10/10, 9/10 (DQB1 mm)")
    stem_cell_source: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=["PB", "BM", "CB"],
                                             description="Stem-cell source")
    conditioning_regimen: Text = pa.Field(dtype_kwargs=ARROW, nullable=True,
                                                 description="Conditioning regimen as written")
    conditioning_intensity_reported: Text = pa.Field(dtype_kwargs=ARROW,
        nullable=True, isin=["MAC", "RIC", "NMA", "sequential"],
        description="Conditioning intensity as reported")
    atg: Bool = pa.Field(nullable=True, description="Anti-thymocyte globulin")
    ptcy: Bool = pa.Field(nullable=True, description="Post-transplant cyclophosphamide")
    gvhd_prophylaxis: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, description="GVHD prophylaxis")
    donor_cmv: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=["positive", "negative"],
                                      description="Donor CMV serostatus")
    recipient_cmv: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=["positive", "negative"],
                                          description="Recipient CMV serostatus")
    hct_ci: Int = pa.Field(nullable=True, ge=0, le=30, description="HCT-CI score")
    chimerism_d30_recipient_pct: Series[float] = pa.Field(
        nullable=True, ge=0, le=100, description="Recipient marrow chimerism day 30, %")
    chimerism_d90_recipient_pct: Series[float] = pa.Field(
        nullable=True, ge=0, le=100, description="Recipient marrow chimerism day 90, %")


class GvhdModel(StagingModel):
    """gvhd: one row per GVHD episode."""

    kind: Text = pa.Field(dtype_kwargs=ARROW, isin=["acute", "chronic"], description="Acute or chronic")
    onset_date: Date = pa.Field(description="Onset date")
    grade: Text = pa.Field(dtype_kwargs=ARROW, isin=[
        "1", "2", "3", "4", "mild", "moderate", "severe", "limited", "extensive"],
        description="Acute 1-4; chronic NIH mild/moderate/severe or legacy limited/extensive")

    @pa.dataframe_check(description="acute grades are 1-4, chronic grades are NIH or legacy")
    def grade_fits_kind(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        acute = df["kind"].eq("acute")
        numeric = df["grade"].isin(["1", "2", "3", "4"])
        # an unknown kind is reported by its own isin check, not again here
        return (acute & numeric) | (~acute & ~numeric) | ~df["kind"].isin(["acute", "chronic"])


class FollowupModel(StagingModel):
    """followup: one row per patient."""

    last_contact_date: Date = pa.Field(description="Date of last contact")
    vital_status: Text = pa.Field(dtype_kwargs=ARROW, isin=["alive", "dead"], description="Vital status")
    death_date: Date = pa.Field(nullable=True, description="Date of death")
    death_cause: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=[
        "relapse", "gvhd", "infection", "toxicity", "secondary_malignancy", "other"],
        description="Cause of death")
    relapse_date: Date = pa.Field(nullable=True, description="First post-transplant relapse")
    relapse_type: Text = pa.Field(dtype_kwargs=ARROW, nullable=True, isin=["haematological", "molecular"],
                                         description="Relapse type")

    @pa.dataframe_check(description="a death date is given if and only if the patient is dead")
    def death_date_only_if_dead(cls, df: pd.DataFrame) -> Series[bool]:  # noqa: N805
        dead = df["vital_status"].eq("dead")
        # an unknown vital status is reported by its own isin check, not again here
        return dead.eq(df["death_date"].notna()) | ~df["vital_status"].isin(["alive", "dead"])


STAGING_MODELS: dict[str, type[StagingModel]] = {
    "patients": PatientsModel,
    "mutations": MutationsModel,
    "treatment_lines": TreatmentLinesModel,
    "responses": ResponsesModel,
    "mrd": MrdModel,
    "transplants": TransplantsModel,
    "gvhd": GvhdModel,
    "followup": FollowupModel,
}
