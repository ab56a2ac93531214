-- The scratch quarantine rows by table and rule step: how many, and their source rows.
SELECT table_order, phase, count(*) AS n, min(source_row) AS lo, max(source_row) AS hi
FROM scratch.quarantine
GROUP BY table_order, phase
ORDER BY table_order, phase;
