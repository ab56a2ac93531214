-- Row accounting per centre, delivery and table: every raw row is staged or quarantined.
-- A re-send held by the shrink guard (staging.held_resends, its raw signature still in raw)
-- is accounted by its own staged and quarantined counts: the delivery's staging rows are
-- the kept, last accepted content, whose raw rows the re-send replaced.
WITH raw_counts AS (
    SELECT centre_id, delivery, 'patients' AS table_name, count(*) AS n FROM raw.patients GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'mutations' AS table_name, count(*) AS n FROM raw.mutations GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'treatment_lines' AS table_name, count(*) AS n FROM raw.treatment_lines GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'responses' AS table_name, count(*) AS n FROM raw.responses GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'mrd' AS table_name, count(*) AS n FROM raw.mrd GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'transplants' AS table_name, count(*) AS n FROM raw.transplants GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'gvhd' AS table_name, count(*) AS n FROM raw.gvhd GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'followup' AS table_name, count(*) AS n FROM raw.followup GROUP BY ALL
), staged_counts AS (
    SELECT centre_id, delivery, 'patients' AS table_name, count(*) AS n FROM staging.patients GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'mutations' AS table_name, count(*) AS n FROM staging.mutations GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'treatment_lines' AS table_name, count(*) AS n FROM staging.treatment_lines GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'responses' AS table_name, count(*) AS n FROM staging.responses GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'mrd' AS table_name, count(*) AS n FROM staging.mrd GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'transplants' AS table_name, count(*) AS n FROM staging.transplants GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'gvhd' AS table_name, count(*) AS n FROM staging.gvhd GROUP BY ALL
    UNION ALL
    SELECT centre_id, delivery, 'followup' AS table_name, count(*) AS n FROM staging.followup GROUP BY ALL
), quarantined_counts AS (
    SELECT centre_id, delivery, table_name, count(*) AS n FROM quarantine.rows GROUP BY ALL
), held AS (
    SELECT h.centre_id, h.delivery, h.table_name, h.staged_rows, h.quarantined_rows
    FROM staging.held_resends h
    JOIN raw.deliveries rd ON rd.centre_id = h.centre_id AND rd.delivery = h.delivery
                          AND rd.signature = h.signature
), accounted AS (
    SELECT
        r.centre_id,
        r.delivery,
        r.table_name,
        r.n AS raw_rows,
        CASE WHEN h.centre_id IS NULL THEN coalesce(s.n, 0)
             ELSE h.staged_rows END AS staged_rows,
        CASE WHEN h.centre_id IS NULL THEN coalesce(q.n, 0)
             ELSE h.quarantined_rows END AS quarantined_rows
    FROM raw_counts r
    JOIN staging.deliveries d USING (centre_id, delivery)
    LEFT JOIN staged_counts s USING (centre_id, delivery, table_name)
    LEFT JOIN quarantined_counts q USING (centre_id, delivery, table_name)
    LEFT JOIN held h USING (centre_id, delivery, table_name)
)
SELECT *, raw_rows = staged_rows + quarantined_rows AS balanced
FROM accounted
ORDER BY centre_id, delivery, table_name;
