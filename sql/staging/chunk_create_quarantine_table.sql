-- quarantine.rows or quarantine.held_rows ({target}) on first use.
CREATE TABLE IF NOT EXISTS {target} AS
SELECT * EXCLUDE (table_order, phase), CAST(NULL AS TIMESTAMP) AS quarantined_at
FROM scratch.quarantine LIMIT 0;
