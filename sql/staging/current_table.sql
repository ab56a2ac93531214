-- The current state of one staging table: each centre's current delivery (newest not held).
SELECT t.*
FROM staging.{table} t
JOIN staging.current_deliveries current USING (centre_id, delivery)
ORDER BY t.centre_id, t.source_row;
