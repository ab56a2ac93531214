-- The data snapshot per centre: its current delivery, how its newest run ended (loaded,
-- unchanged, failed, with the message) and the current delivery's quarantined rows. A centre
-- that failed before any delivery was staged is listed too (without a delivery).
WITH latest_run AS (
    SELECT centre_id, status, message,
           row_number() OVER (PARTITION BY centre_id ORDER BY finished_at DESC NULLS LAST) AS k
    FROM meta.centre_runs
),
quarantined AS (
    SELECT q.centre_id, count(*) AS rows_quarantined
    FROM quarantine.rows AS q
    JOIN staging.current_deliveries AS d ON d.centre_id = q.centre_id AND d.delivery = q.delivery
    GROUP BY q.centre_id
),
centres AS (
    SELECT centre_id FROM staging.current_deliveries
    UNION SELECT centre_id FROM latest_run WHERE k = 1
)
SELECT c.centre_id, d.delivery, coalesce(r.status, 'loaded') AS status, r.message,
       coalesce(q.rows_quarantined, 0) AS rows_quarantined
FROM centres AS c
LEFT JOIN staging.current_deliveries AS d ON d.centre_id = c.centre_id
LEFT JOIN latest_run AS r ON r.centre_id = c.centre_id AND r.k = 1
LEFT JOIN quarantined AS q ON q.centre_id = c.centre_id
ORDER BY c.centre_id;
