-- Offending rows: analyst or quality columns named like local identifiers or birth dates.
SELECT schema_name, table_name, column_name
FROM duckdb_columns()
WHERE database_name = current_database()
  AND schema_name IN ('analysis', 'outcomes', 'quality')
  AND (column_name IN ('patient_id', 'birth_date', 'name', 'first_name', 'last_name', 'upn')
       OR column_name ILIKE '%birth%');
