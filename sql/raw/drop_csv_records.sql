-- DuckDB's rejects tables of one CSV read, removed before the next read and after the load
-- (DuckDB appends to existing rejects tables).
DROP TABLE IF EXISTS temp.csv_reject_errors;
DROP TABLE IF EXISTS temp.csv_reject_scans;
