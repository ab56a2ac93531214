-- analysis.matched_pairs: the matched comparison's 1:1 pairs (AZA/VEN vs IC), one row per
-- matched patient, so that the comparison can be redone in SQL + `aml-registry estimate`.
CREATE OR REPLACE TABLE analysis.matched_pairs (
    pair_id      INTEGER NOT NULL,
    patient_key  VARCHAR NOT NULL,
    arm          VARCHAR NOT NULL,
    refresh_id   VARCHAR,
    code_version VARCHAR
);
