-- One centre's current state of one staging table (its current delivery, newest not held):
-- what the per-centre harmonised partition derives from.
SELECT t.*
FROM staging.{table} t
JOIN staging.current_deliveries current USING (centre_id, delivery)
WHERE t.centre_id = ?
ORDER BY t.source_row;
