-- Queries for the command line ($1 centre or NULL, $2 status or NULL for all).
SELECT * FROM quality.queries
WHERE ($1 IS NULL OR centre_id = $1) AND ($2 IS NULL OR status = $2)
ORDER BY centre_id, coalesce(root_query_id, query_id), root_query_id NULLS FIRST,
         table_name, source_row, query_id;
