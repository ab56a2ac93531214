-- The first record DuckDB's CSV reader rejected: its line (DuckDB counts the header and
-- every empty line), where the line starts, whether it had more fields than the header and
-- the most fields found. Never the record's text (`csv_line` may hold identifying values).
SELECT line,
       min(line_byte_position) AS line_byte_position,
       bool_or(error_type = 'TOO MANY COLUMNS') AS too_many_fields,
       string_agg(DISTINCT error_type::VARCHAR, ', ') AS error_types,
       max(TRY_CAST(regexp_extract(error_message, 'Found: (\d+)', 1) AS BIGINT)) AS fields_found
FROM temp.csv_reject_errors
GROUP BY line
ORDER BY line
LIMIT 1;
