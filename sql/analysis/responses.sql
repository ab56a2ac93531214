-- analysis.responses: every response assessment, reported and ELN 2022-derived response,
-- dated in days after diagnosis (the assessment date stays in the restricted database).
CREATE OR REPLACE TABLE analysis.responses AS
SELECT
    k.patient_key,
    r.centre_id,
    r.line,
    r.cycle,
    date_diff('day', p.diagnosis_date, r.assessment_date) AS days_diagnosis_to_assessment,
    r.response_reported,
    r.response_derived,
    r.response,
    r.response_source,
    r.response_discrepant,
    r.crc,
    r.is_salvage_line
FROM harmonised.responses r
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
LEFT JOIN harmonised.patients p USING (centre_id, patient_id)
ORDER BY r.centre_id, k.patient_key, r.assessment_date;
