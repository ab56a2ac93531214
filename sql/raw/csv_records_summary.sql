-- What a CSV file read into csv_records holds: its records (a line of spaces and tabs only,
-- <blank_line>, is no record: pandas' C parser skipped them too) and
-- the position of the first record with more fields than the header (it filled the
-- overflow column <overflow>; DuckDB's strict mode drops surplus *empty* fields silently and
-- rejects non-empty ones, see first_csv_reject.sql).
SELECT count(*) FILTER (WHERE NOT ({blank_line})) AS records,
       min(record) FILTER (WHERE {overflow} IS NOT NULL) AS first_long_record
FROM (SELECT rowid AS record, * FROM temp.csv_records);
