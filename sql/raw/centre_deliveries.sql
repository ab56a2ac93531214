SELECT delivery, signature, loaded_at
FROM raw.deliveries
WHERE centre_id = ?
ORDER BY delivery;
