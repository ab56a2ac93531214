-- The problems already recorded for one centre (entry, fingerprint).
SELECT entry, fingerprint, problem, first_seen_refresh
FROM meta.delivery_problems
WHERE centre_id = ?;
