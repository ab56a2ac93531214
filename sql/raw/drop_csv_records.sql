-- The temporary tables of one CSV read (records and DuckDB's rejects tables), removed before
-- the next read and after the load: DuckDB appends to existing rejects tables.
DROP TABLE IF EXISTS temp.csv_records;
DROP TABLE IF EXISTS temp.csv_reject_errors;
DROP TABLE IF EXISTS temp.csv_reject_scans;
