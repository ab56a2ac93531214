-- Every harmonised patient's pseudonymous key, computed inside DuckDB (no trip through
-- Python): hmac_pseudonym (pseudonym_macro.sql) with the padded keys as parameters.
CREATE OR REPLACE TABLE harmonised.patient_keys AS
SELECT centre_id, patient_id,
       hmac_pseudonym($inner_key, $outer_key, centre_id, patient_id) AS patient_key
FROM harmonised.patients;
