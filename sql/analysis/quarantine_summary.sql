-- quality.quarantine_summary: rejected rows per centre, delivery, table and rule (no row data).
CREATE OR REPLACE TABLE quality.quarantine_summary AS
SELECT centre_id, delivery, table_name, rule, column_name, count(*) AS rows_quarantined
FROM quarantine.rows
GROUP BY ALL
ORDER BY centre_id, delivery, table_name, rule, column_name;
