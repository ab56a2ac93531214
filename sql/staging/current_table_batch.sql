-- One batch of patients (the registered frame _batch_patients) of a centre's current staging
-- table, in staging order; with $orphans, also the rows whose patient is not in the
-- centre's current patients (the last batch takes them, as harmonising the whole centre did).
SELECT t.*
FROM staging.{table} t
JOIN staging.current_deliveries current USING (centre_id, delivery)
WHERE t.centre_id = $centre_id
  AND (t.patient_id IN (SELECT patient_id FROM _batch_patients)
       OR ($orphans AND t.patient_id NOT IN (
           SELECT p.patient_id FROM staging.patients p
           JOIN staging.current_deliveries c USING (centre_id, delivery)
           WHERE p.centre_id = $centre_id AND p.patient_id IS NOT NULL)))
ORDER BY t.centre_id, t.source_row;
