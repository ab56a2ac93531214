-- The data dictionary: every published table and column with its description (COMMENT).
CREATE OR REPLACE VIEW meta.data_dictionary AS
SELECT
    c.schema_name,
    c.table_name,
    t.comment AS table_description,
    c.column_index,
    c.column_name,
    c.data_type,
    c.comment AS column_description
FROM duckdb_columns() c
JOIN duckdb_tables() t
  ON t.database_name = c.database_name
 AND t.schema_name = c.schema_name
 AND t.table_name = c.table_name
WHERE c.database_name = current_database()
  AND c.schema_name IN ('analysis', 'outcomes', 'meta', 'quality')
ORDER BY c.schema_name, c.table_name, c.column_index;
