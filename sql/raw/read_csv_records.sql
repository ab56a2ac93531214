-- One delivered CSV file read by DuckDB's own CSV reader into a temporary table, every field
-- as text, in file order (rowid = the record's position; insertion order is preserved).
-- The header line is skipped (its names are mapped in Python); the dialect gives the
-- delimiter, quotes are '"' doubled inside a value. Strict mode: a record with more fields
-- than the header, a quote inside a quoted value, an over-long line go to the rejects table
-- `csv_reject_errors` and fail the file. A record with fewer fields is padded with NULL
-- (`null_padding`); no field's text is read as NULL (`nullstr` is a random token of this read
-- and quoted empty values stay ''), so NULL means "the record had no such field". An empty
-- line is skipped by the reader.
CREATE OR REPLACE TEMP TABLE csv_records AS
SELECT *
FROM read_csv($path, columns = $columns, header = true, delim = $delimiter, quote = '"',
              escape = '"', strict_mode = true, null_padding = true, nullstr = $nullstr,
              allow_quoted_nulls = false, auto_detect = false, store_rejects = true,
              rejects_table = 'csv_reject_errors', rejects_scan = 'csv_reject_scans',
              parallel = $parallel);
