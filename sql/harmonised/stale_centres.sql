-- Staged centres whose harmonised partition is missing, or was derived from another delivery
-- or by another code version than the given one.
SELECT d.centre_id
FROM staging.current_deliveries d
LEFT JOIN harmonised.centres h USING (centre_id)
WHERE h.centre_id IS NULL OR h.delivery IS DISTINCT FROM d.delivery
   OR h.code_version IS DISTINCT FROM ?
ORDER BY d.centre_id;
