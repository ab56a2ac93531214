-- One delivered CSV file read by DuckDB's own CSV reader straight into its raw table, in one
-- streamed pass, verbatim as text. Fragments filled by extraction/csv_raw.py are written
-- <name> here; values are parameters.
-- The reader: every field as text, in columns c0, c1, ... ($columns: the header's fields
-- and one overflow column <overflow>); the header line is skipped (its names are mapped in
-- Python); the dialect's delimiter, quotes '"' doubled inside a value. Strict mode: a quote
-- inside a quoted value, an over-long line or a record with non-empty fields beyond the
-- overflow go to the rejects table csv_reject_errors (and fail the file). A record with
-- fewer fields is padded with NULL; no field's text is read as NULL ($nullstr is a random
-- token of this read, quoted empty values stay ''), so NULL means "the record had no such
-- field". DuckDB skips empty lines; a line of spaces and tabs only (<blank_line>) is no
-- record either (as pandas' C parser skipped it).
-- The rows: source_row = the record's number in the file (WHERE and row_number() OVER ()
-- keep the reader's order: DuckDB's "order preservation" rules); the source columns under
-- their canonical names (<canonical_columns>); the values of the source columns the dialect
-- does not know as a JSON object (<unmapped_cells>: only the cells holding a value, not
-- padded, not blank, not a missing marker; keys in source order, written as Python's
-- json.dumps writes them, <unmapped_json>); missing_fields = the header's fields minus the
-- record's (<missing_fields>; negative: more fields than the header, the file then fails).
INSERT INTO raw.{table} BY NAME
WITH records AS (
    SELECT row_number() OVER () AS source_row, *
    FROM read_csv($path, columns = $columns, header = true, delim = $delimiter,
                  quote = '"', escape = '"', strict_mode = true, null_padding = true,
                  nullstr = $nullstr, allow_quoted_nulls = false, auto_detect = false,
                  store_rejects = true, rejects_table = 'csv_reject_errors',
                  rejects_scan = 'csv_reject_scans', parallel = $parallel)
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
