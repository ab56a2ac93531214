-- analysis.mrd: every MRD measurement, with days after diagnosis and before the first
-- allograft (no calendar date: the sample date stays in the restricted database).
CREATE OR REPLACE TABLE analysis.mrd AS
SELECT
    k.patient_key,
    m.centre_id,
    date_diff('day', p.diagnosis_date, m.sample_date) AS days_diagnosis_to_sample,
    m.method,
    m.tissue,
    m.value,
    m.result_reported,
    date_diff('day', m.sample_date, p.hsct_date) AS days_before_hsct
FROM staging.mrd m
JOIN staging.current_deliveries USING (centre_id, delivery)
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
LEFT JOIN harmonised.patients p USING (centre_id, patient_id)
ORDER BY m.centre_id, k.patient_key, m.sample_date;
