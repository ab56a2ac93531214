"""The analysts' tables and views (``analysis.*``), as the registry declares them.

Source: ../shared/spec/outcomes.md (cohorts, endpoints, derived variables) and
../shared/spec/clinical-rules.md; the SQL that builds them is ``sql/analysis/*.sql``. No
local identifiers, birth dates or calendar dates (README, "Privacy"). A view declares the
columns it adds; the columns it takes from a table get that table's description
(sql/publish/view_inherited_comments.sql).
"""

from __future__ import annotations

from schemas.registry.model import Column, Table, TableCheck, col
from schemas.registry.shared import CENTRE_ID, PATIENT_KEY

ANALYSIS_TABLES: tuple[Table, ...] = (
    Table(
        "patients", "analysis",
        "One row per patient of every cohort (AZA/VEN R/R, frontline AZA/VEN, IC comparator, "
        "other): derived clinical variables, pseudonymised; no local IDs, no birth dates, no "
        "calendar dates (days from the patient's diagnosis, salvage or first allograft; calendar"
        " years of diagnosis and transplant).",
        key=("patient_key",),
        columns=(
            col("patient_key", "text",
                "Pseudonymous patient key: HMAC-SHA256 of centre and local ID with the registry "
                "key (stable across refreshes)"),
            CENTRE_ID,
            col("cohort", "text",
                "azaven_rr (AZA/VEN salvage for R/R disease), azaven_frontline, ic_comparator (IC "
                "salvage before first allograft) or other"),
            col("salvage_setting", "text",
                "post_ic, post_hma or molecular_relapse (molecular relapse takes precedence)"),
            col("age_at_diagnosis", "number",
                "Age at AML diagnosis, years (1 decimal)", unit="years"),
            col("age_at_hsct", "number",
                "Age at first allograft, years (1 decimal)", unit="years"),
            col("sex", "text", "female or male"),
            col("aml_type", "text", "de_novo, secondary_mds, secondary_mpn, therapy_related"),
            col("eln2022", "text",
                "ELN 2022 genetic risk derived from karyotype and mutations (Döhner, Blood 2022): "
                "favorable, intermediate, adverse, unknown"),
            col("eln2022_reported", "text", "ELN 2022 risk as reported by the centre"),
            col("adverse_cytogenetics", "bool", "Any ELN 2022 adverse cytogenetic abnormality"),
            col("complex_karyotype", "bool",
                "Complex karyotype per ELN 2022 (>= 3 unrelated abnormalities)"),
            col("monosomal_karyotype", "bool", "Monosomal karyotype"),
            col("eln2024", "text",
                "ELN 2024 risk for less-intensive therapy (Döhner, Blood 2024, Table 1): "
                "favorable, intermediate, adverse, unknown"),
            col("eln2024_reported", "text", "ELN 2024 risk as reported by the centre"),
            col("eln2024_applicable", "bool",
                "False after prior hypomethylating-agent therapy (the guideline does not apply)"),
            col("lines_before_salvage", "int",
                "Number of intensive-chemotherapy lines before the salvage line"),
            col("status_before_salvage", "text",
                "refractory, relapse or molecular_relapse (indication of the salvage line)"),
            col("salvage_regimen", "text", "Salvage regimen as written"),
            col("salvage_regimen_class", "text",
                "Salvage regimen class (e.g. hma_venetoclax, intensive_chemotherapy)"),
            col("salvage_cycles", "int", "Cycles of the salvage line"),
            col("prior_hma", "bool", "Hypomethylating agent before the salvage line"),
            col("c1_response", "bool",
                "Composite CR (CR/CRh/CRi/MLFS) at the end of salvage cycle 1"),
            col("crc_ever", "bool", "Composite CR at any assessment of the salvage line"),
            col("response_timing", "text",
                "early (CRc at end of cycle 1), late (first CRc after cycle 1) or none"),
            col("best_response", "text", "Best response of the salvage line"),
            col("pre_hsct_status", "text", "CRc or refractory at transplant"),
            col("mrd_pre_hsct", "text",
                "Pre-transplant MRD (28-day window): negative, positive, not_done, not_applicable "
                "(not in CRc)"),
            col("mrd_methods", "text", "MRD methods used for mrd_pre_hsct"),
            col("pretransplant_risk_group", "text",
                "Three-group model: early_mrd_negative, intermediate (early MRD+ or late MRD-), "
                "late_mrd_positive"),
            col("transplanted", "bool", "Has a first allograft"),
            col("donor_type", "text",
                "MSD, MUD, MMUD, haplo, cord, matched_related_other (other matched related) or "
                "mismatched_related"),
            col("hla_match", "text", "HLA match as delivered"),
            col("hct_ci", "int", "HCT-CI score"),
            col("hct_ci_group", "text", "HCT-CI group 0, 1, 2, >=3 (Sorror 2005)"),
            col("conditioning_regimen", "text", "Conditioning regimen as written"),
            col("conditioning_intensity", "text",
                "MAC, RIC, NMA or sequential from the regimen catalogue (Bacigalupo 2009), else as "
                "reported"),
            col("conditioning_intensity_reported", "text", "Conditioning intensity as reported"),
            col("gvhd_prophylaxis", "text", "GVHD prophylaxis as written"),
            col("stem_cell_source", "text", "PB, BM or CB"),
            col("cmv_pair", "text", "Donor/recipient CMV serostatus: D-/R-, D-/R+, D+/R-, D+/R+"),
            col("atg", "bool", "Anti-thymocyte globulin"),
            col("ptcy", "bool", "Post-transplant cyclophosphamide"),
            col("in_vivo_tcd", "bool", "In-vivo T-cell depletion (ATG or PTCy)"),
            col("mixed_chimerism_d30", "bool", "Recipient marrow chimerism >= 5 % at day 30"),
            col("partial_chimerism_d90", "bool", "Recipient marrow chimerism >= 1 % at day 90"),
            col("agvhd_max_grade", "int",
                "Maximum acute GVHD grade (0-4) with onset within day 100"),
            col("vital_status", "text", "alive or dead at last contact"),
            col("death_cause", "text", "Cause of death"),
            col("relapse_type", "text", "haematological or molecular"),
            col("diagnosis_year", "int",
                "Calendar year of AML diagnosis (the date itself is in the restricted database "
                "only)"),
            col("transplant_year", "int",
                "Calendar year of the first allograft (NULL: not transplanted)"),
            col("days_diagnosis_to_salvage", "int",
                "Days from AML diagnosis to the start of the salvage line", unit="days"),
            col("days_diagnosis_to_hsct", "int",
                "Days from AML diagnosis to the first allograft", unit="days"),
            col("days_salvage_to_hsct", "int",
                "Days from the start of the salvage line to the first allograft", unit="days"),
            col("days_hsct_to_agvhd_2_4", "int",
                "Days from the first allograft (day 0) to onset of grade II-IV acute GVHD within "
                "day 100", unit="days"),
            col("days_hsct_to_agvhd_3_4", "int",
                "Days from the first allograft (day 0) to onset of grade III-IV acute GVHD within "
                "day 100", unit="days"),
            col("days_hsct_to_cgvhd", "int",
                "Days from the first allograft (day 0) to onset of chronic GVHD", unit="days"),
            col("days_hsct_to_cgvhd_severe", "int",
                "Days from the first allograft (day 0) to onset of severe chronic GVHD (NIH "
                "severe, or legacy extensive)", unit="days"),
            col("days_hsct_to_relapse", "int",
                "Days from the first allograft (day 0) to the first post-transplant relapse", unit="days"),
            col("days_hsct_to_death", "int",
                "Days from the first allograft (day 0) to death", unit="days"),
            col("days_hsct_to_last_contact", "int",
                "Days from the first allograft (day 0) to the last contact", unit="days"),
            col("days_diagnosis_to_death", "int", "Days from AML diagnosis to death", unit="days"),
            col("days_diagnosis_to_last_contact", "int",
                "Days from AML diagnosis to the last contact", unit="days"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys"),
        checks=(
            TableCheck("patient_key_unique", "checks/patient_key_unique",
                       "one row per patient_key"),
            TableCheck("no_identifiers_published", "checks/no_identifiers_published",
                       "no analyst column holds local IDs or birth dates"),
        ),
    ),
    Table(
        "endpoints", "analysis",
        "Time-to-event endpoints in long form, one row per transplanted patient and endpoint "
        "(OS, CIR, NRM, GRFS, AGVHD_2_4, AGVHD_3_4, CGVHD, CGVHD_SEVERE); origin = first "
        "allograft.",
        key=("patient_key", "endpoint"),
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("cohort", "text", "Cohort (see analysis.patients)"),
            col("endpoint", "text",
                "OS, CIR, NRM, GRFS, AGVHD_2_4, AGVHD_3_4, CGVHD, CGVHD_SEVERE"),
            col("time_days", "int",
                "Days from the first allograft (day 0, the origin) to the event, competing event "
                "or censoring", unit="days"),
            col("time_months", "number", "time_days / 30.4375", unit="months"),
            col("status", "int", "0 = censored, 1 = event, 2 = competing event"),
            col("status_label", "text", "censored, event or competing event"),
            col("event_source", "text", "Which delivered date ended time_days (table.column)"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys"),
        checks=(
            TableCheck("endpoint_times_valid", "checks/endpoint_times_valid",
                       "every endpoint time >= 0 and status in 0, 1, 2"),
            TableCheck("one_row_per_patient_and_endpoint", "checks/endpoint_rows_unique",
                       "each transplanted patient has each endpoint once"),
        ),
    ),
    Table(
        "treatment_lines", "analysis",
        "Every line of therapy before transplant (current delivery).",
        key=("patient_key", "line"),
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("line", "int", "Line number (1 = frontline)"),
            col("regimen", "text", "Regimen as written"),
            col("indication", "text", "frontline, refractory, relapse, molecular_relapse"),
            col("days_diagnosis_to_start", "int",
                "Days from AML diagnosis to the start of the line", unit="days"),
            col("days_diagnosis_to_end", "int",
                "Days from AML diagnosis to the end of the line", unit="days"),
            col("cycles", "int", "Cycles given"),
            col("is_salvage_line", "bool",
                "The line identified as the salvage line before transplant"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys", "staging.treatment_lines"),
    ),
    Table(
        "responses", "analysis",
        "Every response assessment with the ELN 2022 response derived from counts beside the "
        "reported one.",
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("line", "int", "Treatment line assessed"),
            col("cycle", "int", "End of which cycle (empty = end of line)"),
            col("days_diagnosis_to_assessment", "int",
                "Days from AML diagnosis to the assessment", unit="days"),
            col("response_reported", "text",
                "Response as reported (optional when the counts are given)"),
            col("response_derived", "text",
                "Response from the counts (ELN 2022): their single answer, or the lowest level "
                "they guarantee (e.g. at least MLFS when ANC is missing)"),
            col("response", "text",
                "Response used: the counts decide (blasts >= 5 % is never CRc); the reported label "
                "gives the level where the counts allow several"),
            col("response_source", "text", "derived or reported"),
            col("response_discrepant", "bool",
                "The reported response is not one the counts allow"),
            col("crc", "bool", "Composite CR (CR, CRh, CRi, MLFS)"),
            col("is_salvage_line", "bool", "Assessment belongs to the salvage line"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.responses", "harmonised.patients", "harmonised.patient_keys"),
    ),
    Table(
        "mrd", "analysis",
        "Every MRD measurement (current delivery).",
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("days_diagnosis_to_sample", "int",
                "Days from AML diagnosis to the sample", unit="days"),
            col("method", "text", "MFC, NPM1, WT1, other_pcr"),
            col("tissue", "text", "BM or PB"),
            col("value", "number", "MFC: % of leukocytes; PCR: transcript/control ratio"),
            col("result_reported", "text", "positive or negative as reported"),
            col("days_before_hsct", "int", "Days from sample to first allograft", unit="days"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys", "staging.mrd"),
    ),
    Table(
        "transplants", "analysis",
        "Every allogeneic HSCT as delivered (current delivery).",
        key=("patient_key", "hsct_number"),
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("hsct_number", "int", "1 = first allograft"),
            col("transplant_year", "int", "Calendar year of this transplant"),
            col("days_diagnosis_to_hsct", "int",
                "Days from AML diagnosis to this transplant", unit="days"),
            col("days_after_first_hsct", "int",
                "Days from the first allograft to this transplant (0 for the first)", unit="days"),
            col("donor_relation", "text",
                "sibling, other_related, haploidentical, unrelated, cord"),
            col("hla_match", "text", "HLA match"),
            col("stem_cell_source", "text", "PB, BM, CB"),
            col("conditioning_regimen", "text", "Conditioning as written"),
            col("conditioning_intensity_reported", "text", "Intensity as reported"),
            col("atg", "bool", "ATG given"),
            col("ptcy", "bool", "Post-transplant cyclophosphamide"),
            col("gvhd_prophylaxis", "text", "GVHD prophylaxis"),
            col("donor_cmv", "text", "Donor CMV serostatus"),
            col("recipient_cmv", "text", "Recipient CMV serostatus"),
            col("hct_ci", "int", "HCT-CI score"),
            col("chimerism_d30_recipient_pct", "number",
                "Recipient marrow chimerism day 30, %", unit="%"),
            col("chimerism_d90_recipient_pct", "number",
                "Recipient marrow chimerism day 90, %", unit="%"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys", "staging.transplants"),
        checks=(
            TableCheck("facts_reference_patients", "checks/facts_reference_patients",
                       "every fact row's patient_key is in analysis.patients"),
        ),
    ),
    Table(
        "gvhd", "analysis",
        "Every GVHD episode (current delivery).",
        columns=(
            PATIENT_KEY,
            CENTRE_ID,
            col("kind", "text", "acute or chronic"),
            col("grade", "text", "Acute 1-4; chronic mild/moderate/severe or limited/extensive"),
            col("day_after_hsct", "int", "Days from first allograft to onset", unit="days"),
        ),
        producer="analysis_tables",
        dependencies=("harmonised.patients", "harmonised.patient_keys", "staging.gvhd"),
    ),
    Table(
        "matched_pairs", "analysis",
        "Matched comparison AZA/VEN vs IC: one row per matched patient (pair_id, arm); join "
        "analysis.endpoints on patient_key to redo the comparison.",
        key=("patient_key",),
        columns=(
            col("pair_id", "int", "Matched pair (1:1, AZA/VEN with IC)"),
            PATIENT_KEY,
            col("arm", "text", "Matched arm (AZA/VEN or IC)"),
            col("refresh_id", "text", "Refresh that computed the table"),
            col("code_version", "text", "Code version that computed the table"),
        ),
        producer="outcome_analyses",
        dependencies=("analysis.patients", "analysis.endpoints"),
    ),
)

#: the endpoints of the wide views: (column prefix, what the event is)
VIEW_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("os", "OS (death, any cause)"),
    ("cir", "CIR (relapse; competing: death without relapse)"),
    ("nrm", "NRM (death without prior relapse; competing: relapse)"),
    ("grfs", "refined GRFS (grade III-IV aGVHD, severe cGVHD, relapse or death)"),
    ("agvhd_2_4", "grade II-IV acute GVHD within day 100 (competing: death or relapse)"),
    ("agvhd_3_4", "grade III-IV acute GVHD within day 100 (competing: death or relapse)"),
    ("cgvhd", "chronic GVHD (competing: death or relapse)"),
    ("cgvhd_severe", "severe chronic GVHD (competing: death or relapse)"),
)


def _endpoint_columns() -> tuple[Column, ...]:
    out: list[Column] = []
    for prefix, event in VIEW_ENDPOINTS:
        out.append(col(f"{prefix}_time_days", "int", f"Days from the first allograft to the "
                       f"{event} event, competing event or censoring", unit="days", minimum=0))
        out.append(col(f"{prefix}_status", "int",
                       f"{event}: 0 censored, 1 event, 2 competing event", minimum=0,
                       maximum=2))
    return tuple(out)


def _view(name: str, description: str, columns: tuple[Column, ...] = (),
          dependencies: tuple[str, ...] = ("analysis.patients", "analysis.endpoints")) -> Table:
    return Table(name, "analysis", description, columns=columns, producer="published_registry",
                 dependencies=dependencies, kind="view")


ANALYSIS_VIEWS: tuple[Table, ...] = (
    _view("transplanted_outcomes",
          "View: one row per transplanted patient of every cohort, characteristics of "
          "analysis.patients (no calendar dates) and each endpoint's time_days and status side "
          "by side (no join needed).", _endpoint_columns()),
    _view("azaven_rr_transplanted",
          "View: the study cohort, transplanted patients after AZA/VEN salvage for R/R AML "
          "(cohort azaven_rr), one row each with characteristics and endpoints (Table 1, OS, "
          "CIR, NRM, GRFS without a join).", dependencies=("analysis.transplanted_outcomes",)),
    _view("ic_comparator_transplanted",
          "View: the comparator pool, transplanted patients after intensive-chemotherapy "
          "salvage (cohort ic_comparator), same columns as analysis.azaven_rr_transplanted.",
          dependencies=("analysis.transplanted_outcomes",)),
    _view("patient_endpoints",
          "View: analysis.endpoints in long form (one row per transplanted patient and "
          "endpoint) with the patient's characteristics on every row, e.g. for aml-registry "
          "estimate by any characteristic."),
)
