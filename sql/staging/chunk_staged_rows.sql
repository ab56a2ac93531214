-- One chunk of a delivery's typed rows staged so far (not quarantined), in source order.
SELECT * EXCLUDE (_quarantined, _key)
FROM scratch.{table}
WHERE NOT _quarantined AND source_row >= $lo AND source_row < $hi
ORDER BY source_row;
