-- Raw text rows of one table of one centre's delivery, in source order.
SELECT *
FROM raw.{table}
WHERE centre_id = ? AND delivery = ?
ORDER BY source_row;
