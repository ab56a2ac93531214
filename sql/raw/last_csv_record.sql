-- The last record of a CSV file read into csv_records (<cells>: all its columns): how many
-- fields it has and whether all of them are empty (a file cut at its end). A line of spaces
-- and tabs only (<blank_line>) is no record.
SELECT list_count([{cells}]) AS fields,
       list_count(list_filter([{cells}], cell -> cell <> '')) = 0 AS all_empty
FROM (SELECT rowid AS record, * FROM temp.csv_records)
WHERE NOT ({blank_line})
ORDER BY record DESC
LIMIT 1;
