-- Deliveries loaded into raw and staged from that same content: centre, delivery and the
-- stat fingerprint (file names, sizes, mtimes) extraction recorded for it.
SELECT r.centre_id, r.delivery, r.stat_fingerprint
FROM raw.deliveries r
JOIN staging.deliveries s USING (centre_id, delivery, signature);
