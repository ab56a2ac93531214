-- Rows delivered and quarantined per centre and staged delivery (the dashboard's trend).
SELECT centre_id, delivery, sum(raw_rows) AS raw_rows, sum(quarantined_rows) AS quarantined_rows
FROM quality.row_accounting
GROUP BY ALL
ORDER BY centre_id, delivery;
