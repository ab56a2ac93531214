"""The canonical ProMISE export tables, and their raw and staging entries.

Source: ../shared/spec/export-format.md ("Canonical tables"). Each table is declared once
here (columns with type, meaning, codes, range, unit, nullability; key; row rules); the raw
entry (every column as delivered text) and the staging entry (typed, the pandera model) are
derived from it. The generator writes these columns (renamed per dialect), extraction and
staging map every centre back to them.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.registry.model import Column, DateOrder, RowCheck, Table, col

PATIENT_ID = col("patient_id", "text", "Centre-local patient identifier (ProMISE UPN)",
                 required=True, min_length=1)
RISK_CODES = ("favorable", "intermediate", "adverse")
RESPONSE_CODES = (
    "CR", "CRh", "CRi", "MLFS", "PR", "SD", "NR", "PD",
    "relapse", "molecular_relapse", "molecular_response",
)
ACUTE_GRADES = ("1", "2", "3", "4")
CHRONIC_GRADES = ("mild", "moderate", "severe", "limited", "extensive")
#: The counts an assessment's response can be derived from (clinical-rules.md, "Response").
RESPONSE_COUNT_COLUMNS = ("bm_blasts_pct", "anc", "platelets")
CMV = ("positive", "negative")

#: Lineage of every raw and staging row (before the table's own columns).
STAGING_LINEAGE: tuple[Column, ...] = (
    col("centre_id", "text", "Centre code (folder name of the landing area)", required=True),
    col("delivery", "text", "Delivery (export date, ISO) the row came in", required=True),
    col("file", "text", "Delivered file (or workbook#sheet)", required=True),
    col("source_row", "int", "Row number in the delivered file (1 = first data row)",
        required=True, minimum=1),
)
RAW_ONLY_LINEAGE: tuple[Column, ...] = (
    col("file_sha256", "text", "sha256 of the delivered file"),
    col("loaded_at", "timestamp", "When the row was loaded (UTC)"),
)
RAW_EXTRAS: tuple[Column, ...] = (
    col("unmapped", "json", "Values of source columns the dialect does not map"),
    col("missing_fields", "int", "Fields missing at the end of a record cut short", minimum=0),
    col("formula_cells", "text", "Workbook cells holding a formula without a saved value"),
)

_SOURCE: tuple[Table, ...] = (
    Table(
        "patients", "staging",
        "One row per patient: demographics, diagnosis, karyotype and reported ELN risk",
        key=("patient_id",),
        columns=(
            PATIENT_ID,
            col("sex", "code", "Sex", required=True, codes=("female", "male")),
            col("birth_date", "date", "Date of birth", required=True),
            col("diagnosis_date", "date", "Date of AML diagnosis", required=True),
            col("aml_type", "code", "AML type", codes=(
                "de_novo", "secondary_mds", "secondary_mpn", "therapy_related")),
            col("karyotype", "text", "ISCN 2020 karyotype as written by the lab; empty = not done"),
            col("eln2022_reported", "code", "ELN 2022 risk as reported by the centre",
                codes=RISK_CODES),
            col("eln2024_reported", "code", "ELN 2024 risk as reported by the centre",
                codes=RISK_CODES),
        ),
        checks=(DateOrder("diagnosis_date", "birth_date", or_equal=False),),
    ),
    Table(
        "mutations", "staging", "One row per gene tested at diagnosis (no row = gene not tested)",
        key=("patient_id", "gene"),
        columns=(
            PATIENT_ID,
            col("gene", "text", "HGNC gene symbol, or a fusion (RUNX1::RUNX1T1)", required=True,
                pattern=r"^[A-Za-z0-9][A-Za-z0-9:/._ ()-]*$"),
            col("detected", "bool", "Mutation detected (false = tested negative)", required=True),
            col("variant", "text", "Variant detail: ITD, TKD, bZIP in-frame, HGVS protein"),
            col("vaf", "number", "Variant allele fraction 0-1", minimum=0.0, maximum=1.0,
                unit="fraction"),
        ),
    ),
    Table(
        "treatment_lines", "staging", "One row per line of therapy before transplant",
        key=("patient_id", "line"),
        columns=(
            PATIENT_ID,
            col("line", "int", "Line number, 1 = frontline", required=True, minimum=1, maximum=20),
            col("regimen", "text", "Regimen as written (7+3, FLAG-Ida, AZA-VEN, ...)",
                required=True, min_length=1),
            col("indication", "code", "Why the line was given", required=True, codes=(
                "frontline", "refractory", "relapse", "molecular_relapse")),
            col("start_date", "date", "First day of the line", required=True),
            col("end_date", "date", "Last day of the line"),
            col("cycles", "int", "Number of cycles given in this line", minimum=0, maximum=50),
        ),
        checks=(DateOrder("end_date", "start_date", or_equal=True),),
    ),
    Table(
        "responses", "staging", "One row per response assessment",
        key=("patient_id", "line", "cycle", "assessment_date"),
        columns=(
            PATIENT_ID,
            col("line", "int", "Treatment line assessed", required=True, minimum=1, maximum=20),
            col("cycle", "int", "End of which cycle; empty = end of line / best response",
                minimum=0, maximum=50),
            col("assessment_date", "date", "Date of the assessment", required=True),
            col("response", "code", "Response as reported; optional when the counts are given "
                "(the response is then derived from them)", codes=RESPONSE_CODES),
            col("bm_blasts_pct", "number", "Bone-marrow blasts, %", minimum=0, maximum=100,
                unit="%"),
            col("anc", "number", "Absolute neutrophil count, 10^9/L", minimum=0, maximum=200,
                unit="10^9/L"),
            col("platelets", "number", "Platelets, 10^9/L", minimum=0, maximum=3000,
                unit="10^9/L"),
            col("circulating_blasts", "bool", "Circulating blasts present"),
            col("extramedullary", "bool", "Extramedullary disease present"),
        ),
        checks=(RowCheck(
            "response_or_counts", "response", RESPONSE_COUNT_COLUMNS,
            "a response label, or counts to derive it from",
            "an assessment needs a response label or counts (marrow blasts, ANC, platelets) "
            "to derive it from; it has neither"),),
    ),
    Table(
        "mrd", "staging", "One row per measurable-residual-disease measurement",
        key=("patient_id", "sample_date", "method", "tissue"),
        columns=(
            PATIENT_ID,
            col("sample_date", "date", "Sample date", required=True),
            col("method", "code", "MRD method", required=True,
                codes=("MFC", "NPM1", "WT1", "other_pcr")),
            col("tissue", "code", "Tissue", required=True, codes=("BM", "PB")),
            col("value", "number", "MFC: % of leukocytes; PCR: transcript/control ratio",
                minimum=0),
            col("result_reported", "code", "Result as reported", codes=CMV),
        ),
    ),
    Table(
        "transplants", "staging", "One row per allogeneic HSCT",
        key=("patient_id", "hsct_number"),
        columns=(
            PATIENT_ID,
            col("hsct_number", "int", "1 = first allograft", required=True, minimum=1, maximum=5),
            col("hsct_date", "date", "Transplant date (day 0)", required=True),
            col("donor_relation", "code", "Donor relation", required=True, codes=(
                "sibling", "other_related", "haploidentical", "unrelated", "cord")),
            # free text as the laboratory wrote it: read by clinical_rules.hla_text, whose
            # unreadable forms are listed in harmonised.discrepancies
            col("hla_match", "text", "HLA match as written, e.g. 10/10, 9/10 (DQB1 mm), 8/8, "
                "5/10 haplo", min_length=1),
            col("stem_cell_source", "code", "Stem-cell source", codes=("PB", "BM", "CB")),
            col("conditioning_regimen", "text", "Conditioning regimen as written"),
            col("conditioning_intensity_reported", "code", "Conditioning intensity as reported",
                codes=("MAC", "RIC", "NMA", "sequential")),
            col("atg", "bool", "Anti-thymocyte globulin given"),
            col("ptcy", "bool", "Post-transplant cyclophosphamide given"),
            col("gvhd_prophylaxis", "text",
                "GVHD prophylaxis (CSA, CSA+MMF, CSA+MTX, TAC+MMF, ...)"),
            col("donor_cmv", "code", "Donor CMV serostatus", codes=CMV),
            col("recipient_cmv", "code", "Recipient CMV serostatus", codes=CMV),
            col("hct_ci", "int", "HCT-CI comorbidity score", minimum=0, maximum=30),
            col("chimerism_d30_recipient_pct", "number", "Marrow recipient chimerism at day 30, %",
                minimum=0, maximum=100, unit="%"),
            col("chimerism_d90_recipient_pct", "number", "Marrow recipient chimerism at day 90, %",
                minimum=0, maximum=100, unit="%"),
        ),
    ),
    Table(
        "gvhd", "staging", "One row per GVHD episode",
        key=("patient_id", "kind", "onset_date"),
        columns=(
            PATIENT_ID,
            col("kind", "code", "Acute or chronic", required=True, codes=("acute", "chronic")),
            col("onset_date", "date", "Onset date", required=True),
            col("grade", "code", "Acute 1-4 (I-IV accepted); chronic mild/moderate/severe or "
                "limited/extensive", required=True, codes=(*ACUTE_GRADES, *CHRONIC_GRADES)),
        ),
        checks=(RowCheck(
            "grade_fits_kind", "grade", ("kind",),
            "acute grades are 1-4, chronic grades are NIH or legacy",
            "acute GVHD is graded 1-4 (I-IV), chronic GVHD mild/moderate/severe or "
            "limited/extensive"),),
    ),
    Table(
        "followup", "staging", "One row per patient: last contact, vital status, death and relapse",
        key=("patient_id",),
        columns=(
            PATIENT_ID,
            col("last_contact_date", "date", "Date of last contact", required=True),
            col("vital_status", "code", "Vital status", required=True, codes=("alive", "dead")),
            col("death_date", "date", "Date of death"),
            col("death_cause", "code", "Cause of death", codes=(
                "relapse", "gvhd", "infection", "toxicity", "secondary_malignancy", "other")),
            col("relapse_date", "date", "First post-transplant relapse; empty = none"),
            col("relapse_type", "code", "Relapse type", codes=("haematological", "molecular")),
        ),
        checks=(
            RowCheck("death_date_only_if_dead", "death_date", ("vital_status",),
                     "a death date is given if and only if the patient is dead",
                     "a death date is given if and only if the patient is dead"),
            DateOrder("last_contact_date", "death_date", or_equal=True),
            DateOrder("last_contact_date", "relapse_date", or_equal=True),
            DateOrder("death_date", "relapse_date", or_equal=True),
        ),
    ),
)


def _staging(table: Table) -> Table:
    return replace(table, lineage=STAGING_LINEAGE, producer="staging_centre_tables",
                   dependencies=(f"raw.{table.name}",))


def _raw(table: Table) -> Table:
    as_text = tuple(col(c.name, "text", f"{c.description}, as delivered (text)")
                    for c in table.columns)
    return Table(table.name, "raw", f"{table.description}, as delivered (every value as text).",
                 columns=(*as_text, *RAW_EXTRAS), lineage=(*STAGING_LINEAGE, *RAW_ONLY_LINEAGE),
                 producer="raw_centre_tables")


#: canonical table name -> its staging entry (typed; lineage then the canonical columns)
STAGING_TABLES: dict[str, Table] = {t.name: _staging(t) for t in _SOURCE}
#: canonical table name -> its raw entry (every canonical column as delivered text)
RAW_TABLES: dict[str, Table] = {t.name: _raw(t) for t in _SOURCE}
SOURCE_TABLE_NAMES: tuple[str, ...] = tuple(STAGING_TABLES)
