-- Unloadable entries of centre folders (history), newest first.
SELECT centre_id, entry, file, problem, first_seen_at
FROM meta.delivery_problems
ORDER BY first_seen_at DESC, centre_id, entry
LIMIT 20;
