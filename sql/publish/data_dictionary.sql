-- The data dictionary: every published table, view and column with its description (COMMENT).
CREATE OR REPLACE VIEW meta.data_dictionary AS
SELECT
    c.schema_name,
    c.table_name,
    t.comment AS table_description,
    c.column_index,
    c.column_name,
    c.data_type,
    c.comment AS column_description,
    t.table_kind
FROM duckdb_columns() c
JOIN (SELECT database_name, schema_name, table_name, comment, 'table' AS table_kind
      FROM duckdb_tables()
      UNION ALL
      SELECT database_name, schema_name, view_name, comment, 'view'
      FROM duckdb_views() WHERE NOT internal) t
  ON t.database_name = c.database_name
 AND t.schema_name = c.schema_name
 AND t.table_name = c.table_name
WHERE c.database_name = current_database()
  AND c.schema_name IN ('analysis', 'outcomes', 'meta', 'quality')
ORDER BY c.schema_name, c.table_name, c.column_index;
