-- The raw text rows of the deliveries in _validated (centre_id, delivery) that staging did
-- not keep in {table}: its quarantined rows (matched on file and source row).
SELECT r.*
FROM raw.{table} r
JOIN _validated v ON v.centre_id = r.centre_id AND v.delivery = r.delivery
WHERE NOT EXISTS (SELECT 1 FROM staging.{table} s
                  WHERE s.centre_id = r.centre_id AND s.delivery = r.delivery
                    AND s.file = r.file AND s.source_row = r.source_row)
ORDER BY r.centre_id, r.source_row;
