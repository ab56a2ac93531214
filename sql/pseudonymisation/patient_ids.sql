-- Every pseudonymised patient with its local identifier (restricted) and current key.
SELECT centre_id, patient_id, patient_key FROM harmonised.patient_keys
ORDER BY centre_id, patient_id;
