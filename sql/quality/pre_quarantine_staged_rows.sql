-- The typed staging rows of the deliveries in _validated (centre_id, delivery): every row of
-- {table} that passed quarantine, already typed by staging with the centre's dialect.
SELECT t.*
FROM staging.{table} t
JOIN _validated v ON v.centre_id = t.centre_id AND v.delivery = t.delivery
ORDER BY t.centre_id, t.source_row;
