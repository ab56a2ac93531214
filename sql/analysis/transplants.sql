-- analysis.transplants: every allogeneic HSCT as delivered (first allograft = hsct_number 1).
CREATE OR REPLACE TABLE analysis.transplants AS
SELECT
    k.patient_key,
    t.centre_id,
    t.hsct_number,
    t.hsct_date,
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
ORDER BY t.centre_id, k.patient_key, t.hsct_number;
