-- The records of one CSV file (read into csv_records) into its raw table, verbatim as text:
-- lineage; source_row = the record's number in the file (1 = the first after the header;
-- empty lines and lines of spaces and tabs only, {blank_line}, are no record); the source
-- columns under their canonical names ({canonical_columns}); the values of the source columns
-- the dialect does not know as a JSON object, only the cells holding a value (not padded, not
-- blank, not a missing marker), keys in source order, written as Python's json.dumps writes
-- them; how many fields the record lacked against the header ({cells}: c0, c1, ...).
INSERT INTO raw.{table} BY NAME
WITH records AS (
    SELECT *, row_number() OVER (ORDER BY record) AS source_row
    FROM (SELECT rowid AS record, * FROM temp.csv_records)
    WHERE NOT ({blank_line})
), with_unmapped AS (
    SELECT *,
           list_filter(list_zip($unmapped_names::VARCHAR[], {unmapped_cells}),
                       cell -> cell[2] IS NOT NULL
                               AND NOT list_contains($missing::VARCHAR[],
                                                     trim(cell[2], $whitespace)))
               AS unmapped_cells
    FROM records
)
SELECT $centre_id AS centre_id, $delivery AS delivery, $file AS file, source_row,
       $file_sha256 AS file_sha256, $loaded_at::TIMESTAMP AS loaded_at,
       {canonical_columns},
       CASE WHEN len(unmapped_cells) > 0 THEN
           '{' || array_to_string(list_transform(unmapped_cells,
                                  cell -> to_json(cell[1]) || ': ' || to_json(cell[2])), ', ')
           || '}'
       END AS unmapped,
       ({n_header} - list_count([{cells}]))::INTEGER AS missing_fields,
       NULL::VARCHAR AS formula_cells
FROM with_unmapped;
