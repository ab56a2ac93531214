-- The most recent refresh recorded.
SELECT refresh_id, started_at, finished_at, status, published, code_version, message
FROM meta.refreshes
ORDER BY started_at DESC
LIMIT 1;
