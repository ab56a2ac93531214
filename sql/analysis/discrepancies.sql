-- quality.discrepancies: reported vs derived values, pseudonymised for the published file.
-- Calendar dates in the reason are masked (the full reason is in harmonised.discrepancies,
-- restricted database).
CREATE OR REPLACE TABLE quality.discrepancies AS
SELECT k.patient_key, d.centre_id, d.variable, d.reported, d.derived,
    regexp_replace(d.reason, '[0-9]{4}-[0-9]{2}-[0-9]{2}', '(date)', 'g') AS reason
FROM harmonised.discrepancies d
LEFT JOIN harmonised.patient_keys k USING (centre_id, patient_id)
ORDER BY d.centre_id, d.variable, k.patient_key;
