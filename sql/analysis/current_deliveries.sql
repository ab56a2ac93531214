-- The delivery that is each centre's current state (its newest staged delivery).
CREATE OR REPLACE VIEW staging.current_deliveries AS
SELECT centre_id, max(delivery) AS delivery
FROM staging.deliveries
GROUP BY centre_id;
