-- Tables and views of this database (schema, name, kind): the registry entries to comment.
SELECT schema_name, table_name, 'table' AS kind FROM duckdb_tables()
WHERE database_name = current_database()
UNION ALL
SELECT schema_name, view_name, 'view' FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal;
