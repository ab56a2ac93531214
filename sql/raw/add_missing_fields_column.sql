-- Raw tables created before the column existed: how many fields a source record lacked
-- against its file's header (NULL for rows loaded earlier; staging counts them complete).
ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS missing_fields INTEGER;
