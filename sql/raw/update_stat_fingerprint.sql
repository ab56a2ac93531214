-- A delivery whose files were touched but not changed: remember the new file stats.
UPDATE raw.deliveries SET stat_fingerprint = ? WHERE centre_id = ? AND delivery = ?;
