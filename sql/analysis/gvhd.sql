-- analysis.gvhd: every GVHD episode with its day after the first allograft (no calendar
-- date: the onset date stays in the restricted database).
CREATE OR REPLACE TABLE analysis.gvhd AS
SELECT
    k.patient_key,
    g.centre_id,
    g.kind,
    g.grade,
    date_diff('day', p.hsct_date, g.onset_date) AS day_after_hsct
FROM staging.gvhd g
JOIN staging.current_deliveries USING (centre_id, delivery)
JOIN harmonised.patient_keys k USING (centre_id, patient_id)
LEFT JOIN harmonised.patients p USING (centre_id, patient_id)
ORDER BY g.centre_id, k.patient_key, g.onset_date;
