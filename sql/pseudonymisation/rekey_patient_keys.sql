-- harmonised.patient_keys under the new key of a re-key, re-derived in DuckDB
-- (hmac_pseudonym, the new padded keys as parameters).
CREATE OR REPLACE TABLE harmonised.patient_keys AS
SELECT centre_id, patient_id,
       hmac_pseudonym($inner_key, $outer_key, centre_id, patient_id) AS patient_key
FROM harmonised.patient_keys;
