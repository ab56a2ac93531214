-- Fragments of insert_csv_rows.sql for a file with source columns the dialect does not know
-- (<cells>: those columns, $unmapped_names: their names): the cells holding a value (not
-- padded, not blank after Python's str.strip() whitespace, not a missing marker), then the
-- JSON object of them as Python's json.dumps(..., ensure_ascii=False) writes it.
list_filter(list_zip($unmapped_names::VARCHAR[], [{cells}]),
            cell -> cell[2] IS NOT NULL
                    AND NOT list_contains($missing::VARCHAR[], trim(cell[2], $whitespace)))
-- json
CASE WHEN len(unmapped_cells) > 0 THEN
    '{' || array_to_string(list_transform(unmapped_cells,
                           cell -> to_json(cell[1]) || ': ' || to_json(cell[2])), ', ')
    || '}'
END
