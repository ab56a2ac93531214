-- The old to new patient key crosswalk of one re-key (restricted): every current patient key
-- re-derived in DuckDB under the new key (hmac_pseudonym, padded keys as parameters).
INSERT INTO pseudonymisation.key_crosswalk BY NAME
SELECT $rekey_id AS rekey_id, centre_id, patient_key AS old_patient_key,
       hmac_pseudonym($inner_key, $outer_key, centre_id, patient_id) AS new_patient_key
FROM harmonised.patient_keys;
