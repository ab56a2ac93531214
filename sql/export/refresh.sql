-- The refresh an export comes from: the last one recorded in the published file.
SELECT refresh_id, code_version, finished_at
FROM meta.refreshes
WHERE published
ORDER BY started_at DESC
LIMIT 1;
