-- The relations an export writes: the analysts' tables and views of the chosen schemas
-- (the published file holds no restricted layer), in a stable order.
SELECT schema_name, table_name, 'table' AS table_kind
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?::VARCHAR[]))
UNION ALL
SELECT schema_name, view_name, 'view'
FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal
  AND schema_name IN (SELECT unnest(?::VARCHAR[]))
ORDER BY 1, 2;
