-- analysis.treatment_lines: every line of therapy before transplant, with the salvage line
-- marked, dated in days after diagnosis (the dates stay in the restricted database).
CREATE OR REPLACE TABLE analysis.treatment_lines AS
SELECT
    k.patient_key,
    t.centre_id,
    t.line,
    t.regimen,
    t.indication,
    date_diff('day', p.diagnosis_date, t.start_date) AS days_diagnosis_to_start,
    date_diff('day', p.diagnosis_date, t.end_date) AS days_diagnosis_to_end,
    t.cycles,
    t.line IS NOT DISTINCT FROM p.salvage_line AS is_salvage_line
FROM staging.treatment_lines t
JOIN staging.current_deliveries USING (centre_id, delivery)
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
LEFT JOIN harmonised.patients p USING (centre_id, patient_id)
ORDER BY t.centre_id, k.patient_key, t.line;
