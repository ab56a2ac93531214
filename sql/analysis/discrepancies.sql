-- quality.discrepancies: reported vs derived values, pseudonymised for the published file.
CREATE OR REPLACE TABLE quality.discrepancies AS
SELECT k.patient_key, d.centre_id, d.variable, d.reported, d.derived, d.reason
FROM harmonised.discrepancies d
LEFT JOIN harmonised.patient_keys k USING (centre_id, patient_id)
ORDER BY d.centre_id, d.variable, k.patient_key;
