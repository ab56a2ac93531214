-- The first source row at or after $lo of one raw table of a delivery (NULL: none left),
-- where staging's next chunk of source rows starts.
SELECT min(source_row)
FROM raw.{table}
WHERE centre_id = $centre_id AND delivery = $delivery AND source_row >= $lo;
