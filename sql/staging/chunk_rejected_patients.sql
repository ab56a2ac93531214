-- The patient ids, as written, of a delivery's quarantined patients rows (their children
-- are orphans "with the patients row quarantined").
SELECT r.patient_id
FROM raw.patients r
JOIN scratch.quarantine q ON q.table_name = 'patients' AND q.source_row = r.source_row
WHERE r.centre_id = $centre_id AND r.delivery = $delivery AND r.patient_id IS NOT NULL
ORDER BY r.source_row;
