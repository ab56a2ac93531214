-- analysis.transplants: every allogeneic HSCT as delivered (first allograft = hsct_number 1),
-- with its calendar year and days after diagnosis and after the first allograft (the date
-- itself stays in the restricted database).
CREATE OR REPLACE TABLE analysis.transplants AS
SELECT
    k.patient_key,
    t.centre_id,
    t.hsct_number,
    CAST(year(t.hsct_date) AS INTEGER) AS transplant_year,
    date_diff('day', p.diagnosis_date, t.hsct_date) AS days_diagnosis_to_hsct,
    date_diff('day', p.hsct_date, t.hsct_date) AS days_after_first_hsct,
    t.donor_relation,
    t.hla_match,
    t.stem_cell_source,
    t.conditioning_regimen,
    t.conditioning_intensity_reported,
    t.atg,
    t.ptcy,
    t.gvhd_prophylaxis,
    t.donor_cmv,
    t.recipient_cmv,
    t.hct_ci,
    t.chimerism_d30_recipient_pct,
    t.chimerism_d90_recipient_pct
FROM staging.transplants t
JOIN staging.current_deliveries USING (centre_id, delivery)
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
LEFT JOIN harmonised.patients p USING (centre_id, patient_id)
ORDER BY t.centre_id, k.patient_key, t.hsct_number;
