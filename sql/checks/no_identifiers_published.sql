-- Offending columns of the published schemas (analysis, outcomes, quality, meta):
--  * named like a local identifier, a name or a birth date;
--  * any DATE or TIMESTAMP column (exact calendar dates are quasi-identifiers, issue 18:
--    publish days from the patient's own reference date and calendar years instead), unless
--    it is a processing time (a name ending in _at: refreshes, checks, loads) or a centre's
--    export date (a name starting with delivery);
--  * any column named like a calendar date (%_date, %date) of another type, with the same
--    exception for delivery dates.
-- Exact dates stay in the restricted database (harmonised.patients, staging.*).
SELECT schema_name, table_name, column_name, data_type,
    CASE
        WHEN column_name IN ('patient_id', 'birth_date', 'name', 'first_name', 'last_name', 'upn')
          OR column_name ILIKE '%birth%' THEN 'local identifier or birth date'
        WHEN data_type IN ('DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_S',
                           'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIME', 'TIME WITH TIME ZONE')
          THEN 'calendar date or time column'
        ELSE 'column named like a calendar date'
    END AS problem
FROM duckdb_columns()
WHERE database_name = current_database()
  AND schema_name IN ('analysis', 'outcomes', 'quality', 'meta')
  AND (
        column_name IN ('patient_id', 'birth_date', 'name', 'first_name', 'last_name', 'upn')
     OR column_name ILIKE '%birth%'
     OR ((data_type IN ('DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_S',
                        'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIME', 'TIME WITH TIME ZONE')
          OR column_name ILIKE '%\_date' ESCAPE '\' OR column_name ILIKE '%date')
         AND NOT (column_name ILIKE '%\_at' ESCAPE '\' OR column_name ILIKE 'delivery%'))
  )
ORDER BY schema_name, table_name, column_name;
