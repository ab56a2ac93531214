-- The data snapshot: each centre's current delivery.
SELECT centre_id, delivery FROM staging.current_deliveries ORDER BY centre_id;
