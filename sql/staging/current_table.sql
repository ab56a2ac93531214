-- The current state of one staging table: each centre's newest staged delivery.
SELECT t.*
FROM staging.{table} t
JOIN (
    SELECT centre_id, max(delivery) AS delivery
    FROM staging.deliveries
    GROUP BY centre_id
) current USING (centre_id, delivery)
ORDER BY t.centre_id, t.source_row;
