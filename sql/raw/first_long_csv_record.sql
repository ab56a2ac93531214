-- The record of a CSV file at position $record (in csv_records) with more fields than the
-- header: its row (records before it, without lines of spaces and tabs only, <blank_line>)
-- and its fields (<cells>: all columns, the overflow included).
SELECT (SELECT count(*) FROM (SELECT rowid AS record, * FROM temp.csv_records)
        WHERE record <= $record AND NOT ({blank_line})) AS source_row,
       list_count([{cells}]) AS fields
FROM (SELECT rowid AS record, * FROM temp.csv_records)
WHERE record = $record;
