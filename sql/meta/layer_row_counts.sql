-- Rows per table of every layer (DuckDB's estimate is exact after a write in this process).
SELECT schema_name || '.' || table_name AS table_name, estimated_size AS rows
FROM duckdb_tables()
WHERE database_name = current_database()
  AND schema_name IN ('raw', 'staging', 'quarantine', 'harmonised', 'analysis', 'outcomes',
                      'quality')
ORDER BY 1;
