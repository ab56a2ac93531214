-- The problems of one centre first seen in one refresh (they fail that centre's run once).
SELECT entry, file, source_row, problem
FROM meta.delivery_problems
WHERE centre_id = ? AND first_seen_refresh = ?
ORDER BY entry;
