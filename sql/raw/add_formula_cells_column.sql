-- Raw tables created before the column existed: the workbook cells of a row that hold a
-- formula without a saved value (NULL: none, or rows loaded earlier).
ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS formula_cells VARCHAR;
