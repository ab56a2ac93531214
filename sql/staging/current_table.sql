-- The current state of one staging table: each centre's current delivery (newest not held),
-- or one centre's only when $centre_id is given (its harmonised partition's input).
SELECT t.*
FROM staging.{table} t
JOIN staging.current_deliveries current USING (centre_id, delivery)
WHERE $centre_id IS NULL OR t.centre_id = $centre_id
ORDER BY t.centre_id, t.source_row;
