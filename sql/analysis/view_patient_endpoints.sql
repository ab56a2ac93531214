-- Analyst view: analysis.endpoints (long form, one row per transplanted patient and
-- endpoint) with the patient's characteristics on every row, so that a curve by any
-- characteristic is one SELECT (e.g. for aml-registry estimate). No calendar dates.
CREATE OR REPLACE VIEW analysis.patient_endpoints AS
SELECT *
FROM (SELECT COLUMNS(c -> NOT suffix(c, '_date') AND c NOT IN ('centre_id', 'cohort'))
      FROM analysis.endpoints) e
JOIN (SELECT COLUMNS(c -> NOT suffix(c, '_date')) FROM analysis.patients) p
  USING (patient_key);
