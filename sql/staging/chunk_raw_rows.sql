-- One chunk of a raw table of a delivery: source rows $lo <= source_row < $hi, in order.
SELECT *
FROM raw.{table}
WHERE centre_id = $centre_id AND delivery = $delivery
  AND source_row >= $lo AND source_row < $hi
ORDER BY source_row;
