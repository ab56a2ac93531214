-- Every staged delivery per centre (the newest is the centre's current state).
SELECT centre_id, delivery FROM staging.deliveries ORDER BY centre_id, delivery;
