-- data_dictionary.csv of an export: the data dictionary rows of the chosen schemas.
SELECT schema_name, table_name, table_kind, table_description, column_index, column_name,
       data_type, column_description
FROM meta.data_dictionary
WHERE schema_name IN (SELECT unnest(?::VARCHAR[]))
ORDER BY schema_name, table_name, column_index;
