-- What a CSV file loaded into raw.<table> holds that fails it: the first row with more
-- fields than the header (missing_fields < 0: it filled the overflow column) and the fields
-- it has; the last row, its fields and whether all of its cells are empty (with no line end
-- after it, a file cut at its end). <n_header>: the header's fields; <canonical_empty>: every
-- canonical column empty or NULL.
SELECT min(source_row) FILTER (WHERE missing_fields < 0) AS first_long_row,
       arg_min({n_header} - missing_fields, source_row) FILTER (WHERE missing_fields < 0)
           AS first_long_fields,
       max(source_row) AS last_row,
       arg_max({n_header} - missing_fields, source_row) AS last_fields,
       arg_max(({canonical_empty}) AND unmapped IS NULL, source_row) AS last_all_empty
FROM raw.{table}
WHERE centre_id = $centre_id AND delivery = $delivery AND file = $file;
