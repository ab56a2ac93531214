-- Which raw delivery (by signature) the staging tables of a centre were built from.
INSERT INTO staging.deliveries (centre_id, delivery, signature, staged_at)
VALUES ($centre_id, $delivery, $signature, $staged_at);
