-- The patients of one centre's current delivery, in staging order (the batches of its
-- harmonised partition).
SELECT t.patient_id
FROM staging.patients t
JOIN staging.current_deliveries current USING (centre_id, delivery)
WHERE t.centre_id = $centre_id
ORDER BY t.source_row;
