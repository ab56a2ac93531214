-- The records of one CSV file (read into csv_records) into its raw table, verbatim as text.
-- Fragments filled by extraction/csv_raw.py are written <name> here. Lineage; source_row =
-- the record's number in the file (1 = the first after the header, in rowid order: DuckDB
-- numbers rows inserted in an open transaction from a high offset; a line of spaces and tabs
-- only, <blank_line>, is no record, and DuckDB skips empty lines); the source columns under
-- their canonical names (<canonical_columns>); the values of the source columns the dialect does not know as a JSON object (<unmapped_cells>:
-- only the cells holding a value, not padded, not blank, not a missing marker; keys in source
-- order, written as Python's json.dumps writes them, <unmapped_json>); how many fields the
-- record lacked against the header (<missing_fields>: its NULL cells, only padding is NULL).
INSERT INTO raw.{table} BY NAME
WITH records AS (
    SELECT row_number() OVER (ORDER BY record) AS source_row, *
    FROM (SELECT rowid AS record, * FROM temp.csv_records)
    WHERE NOT ({blank_line})
), with_unmapped AS (
    SELECT *, {unmapped_cells} AS unmapped_cells
    FROM records
)
SELECT $centre_id AS centre_id, $delivery AS delivery, $file AS file, source_row,
       $file_sha256 AS file_sha256, $loaded_at::TIMESTAMP AS loaded_at,
       {canonical_columns},
       {unmapped_json} AS unmapped,
       ({missing_fields})::INTEGER AS missing_fields,
       NULL::VARCHAR AS formula_cells
FROM with_unmapped;
