-- Columns of the analyst views that have no comment yet, with the comment of the same
-- column in the first source that has one: analysis.patients, analysis.endpoints,
-- analysis.transplanted_outcomes (for the cohort views), analysis.matched_pairs.
WITH sources(priority, table_name) AS (
    VALUES (1, 'patients'), (2, 'endpoints'), (3, 'transplanted_outcomes'), (4, 'matched_pairs')
)
SELECT v.table_name AS view_name, v.column_name,
       arg_min(s.comment, src.priority) AS comment
FROM duckdb_columns() v
JOIN duckdb_views() dv
  ON dv.database_name = v.database_name AND dv.schema_name = v.schema_name
 AND dv.view_name = v.table_name
JOIN duckdb_columns() s
  ON s.database_name = v.database_name AND s.schema_name = 'analysis'
 AND s.column_name = v.column_name AND s.table_name <> v.table_name AND s.comment IS NOT NULL
JOIN sources src ON src.table_name = s.table_name
WHERE v.database_name = current_database() AND v.schema_name = 'analysis'
  AND v.comment IS NULL
GROUP BY v.table_name, v.column_name, v.column_index
ORDER BY v.table_name, v.column_index;
