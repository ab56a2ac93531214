SELECT delivery, signature, loaded_at, stat_fingerprint
FROM raw.deliveries
WHERE centre_id = ?
ORDER BY delivery;
