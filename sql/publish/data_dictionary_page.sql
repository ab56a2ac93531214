-- The rows of the data dictionary page (WAREHOUSE/report/data-dictionary.html) and the
-- refresh it describes.
SELECT d.schema_name, d.table_name, d.table_kind, d.table_description, d.column_index,
       d.column_name, d.data_type, d.column_description
FROM meta.data_dictionary d
ORDER BY d.schema_name, d.table_name, d.column_index;
