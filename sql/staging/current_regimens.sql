-- The treatment-line regimens of a centre's current delivery, in staging order (the
-- centre's unknown regimens are counted over all of them at once).
SELECT t.regimen
FROM staging.treatment_lines t
JOIN staging.current_deliveries current USING (centre_id, delivery)
WHERE t.centre_id = $centre_id
ORDER BY t.centre_id, t.source_row;
