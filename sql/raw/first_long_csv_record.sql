-- The first record of a CSV file read into csv_records with more fields than its header: the
-- reader is given one column more than the header ({overflow}), so such a record fills it
-- (DuckDB's strict mode drops surplus *empty* fields silently and rejects non-empty ones,
-- see first_csv_reject.sql). Its row (as raw numbers it) and its fields ({cells}: all).
SELECT source_row, fields
FROM (
    SELECT row_number() OVER (ORDER BY record) AS source_row,
           list_count([{cells}]) AS fields,
           {overflow} IS NOT NULL AS too_long
    FROM (SELECT rowid AS record, * FROM temp.csv_records)
    WHERE NOT ({blank_line})
)
WHERE too_long
ORDER BY source_row
LIMIT 1;
