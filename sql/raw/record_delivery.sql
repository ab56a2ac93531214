-- One loaded delivery: why it counted as complete, its signature, load time, stat fingerprint.
INSERT INTO raw.deliveries (centre_id, delivery, complete_reason, signature, loaded_at,
                            stat_fingerprint)
VALUES ($centre_id, $delivery, $complete_reason, $signature, $loaded_at, $stat_fingerprint);
