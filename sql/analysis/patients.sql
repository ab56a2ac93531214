-- analysis.patients: one row per patient of every cohort, pseudonymised, no local IDs,
-- no birth date (ages instead) and no calendar date: times are days from the patient's own
-- diagnosis, salvage start or first allograft, the period is the calendar year of diagnosis
-- and of transplant (issue 18: exact dates are quasi-identifiers; they stay in the restricted
-- database, harmonised.patients). Built from harmonised.patients (clinical rules applied).
CREATE OR REPLACE TABLE analysis.patients AS
SELECT
    k.patient_key,
    p.centre_id,
    p.cohort,
    p.salvage_setting,
    round(date_diff('day', p.birth_date, p.diagnosis_date) / 365.25, 1) AS age_at_diagnosis,
    p.age_at_hsct,
    p.sex,
    p.aml_type,
    p.eln2022,
    p.eln2022_reported,
    p.adverse_cytogenetics,
    p.complex_karyotype,
    p.monosomal_karyotype,
    p.eln2024,
    p.eln2024_reported,
    p.eln2024_applicable,
    p.lines_before_salvage,
    p.status_before_salvage,
    p.salvage_regimen,
    p.salvage_regimen_class,
    p.salvage_cycles,
    p.prior_hma,
    p.c1_response,
    p.crc_ever,
    p.response_timing,
    p.best_response,
    p.pre_hsct_status,
    p.mrd_pre_hsct,
    p.mrd_methods,
    CASE
        WHEN p.response_timing = 'early' AND p.mrd_pre_hsct = 'negative' THEN 'early_mrd_negative'
        WHEN (p.response_timing = 'early' AND p.mrd_pre_hsct = 'positive')
          OR (p.response_timing = 'late' AND p.mrd_pre_hsct = 'negative') THEN 'intermediate'
        WHEN p.response_timing = 'late' AND p.mrd_pre_hsct = 'positive' THEN 'late_mrd_positive'
    END AS pretransplant_risk_group,
    p.hsct_date IS NOT NULL AS transplanted,
    p.donor_type,
    p.hla_match,
    p.hct_ci,
    p.hct_ci_group,
    p.conditioning_regimen,
    p.conditioning_intensity,
    p.conditioning_intensity_reported,
    p.gvhd_prophylaxis,
    p.stem_cell_source,
    p.cmv_pair,
    p.atg,
    p.ptcy,
    p.in_vivo_tcd,
    p.mixed_chimerism_d30,
    p.partial_chimerism_d90,
    p.agvhd_max_grade,
    p.vital_status,
    p.death_cause,
    p.relapse_type,
    CAST(year(p.diagnosis_date) AS INTEGER) AS diagnosis_year,
    CAST(year(p.hsct_date) AS INTEGER) AS transplant_year,
    date_diff('day', p.diagnosis_date, p.salvage_start_date) AS days_diagnosis_to_salvage,
    date_diff('day', p.diagnosis_date, p.hsct_date) AS days_diagnosis_to_hsct,
    date_diff('day', p.salvage_start_date, p.hsct_date) AS days_salvage_to_hsct,
    date_diff('day', p.hsct_date, p.agvhd_2_4_date) AS days_hsct_to_agvhd_2_4,
    date_diff('day', p.hsct_date, p.agvhd_3_4_date) AS days_hsct_to_agvhd_3_4,
    date_diff('day', p.hsct_date, p.cgvhd_date) AS days_hsct_to_cgvhd,
    date_diff('day', p.hsct_date, p.cgvhd_severe_date) AS days_hsct_to_cgvhd_severe,
    date_diff('day', p.hsct_date, p.relapse_date) AS days_hsct_to_relapse,
    date_diff('day', p.hsct_date, p.death_date) AS days_hsct_to_death,
    date_diff('day', p.hsct_date, p.last_contact_date) AS days_hsct_to_last_contact,
    date_diff('day', p.diagnosis_date, p.death_date) AS days_diagnosis_to_death,
    date_diff('day', p.diagnosis_date, p.last_contact_date) AS days_diagnosis_to_last_contact
FROM harmonised.patients p
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
ORDER BY p.centre_id, k.patient_key;
