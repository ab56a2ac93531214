-- Row accounting per centre, delivery and table: every raw row is staged or quarantined.
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
)
SELECT
    r.centre_id,
    r.delivery,
    r.table_name,
    r.n AS raw_rows,
    coalesce(s.n, 0) AS staged_rows,
    coalesce(q.n, 0) AS quarantined_rows,
    r.n = coalesce(s.n, 0) + coalesce(q.n, 0) AS balanced
FROM raw_counts r
JOIN staging.deliveries d USING (centre_id, delivery)
LEFT JOIN staged_counts s USING (centre_id, delivery, table_name)
LEFT JOIN quarantined_counts q USING (centre_id, delivery, table_name)
ORDER BY r.centre_id, r.delivery, r.table_name;
