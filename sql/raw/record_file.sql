-- One loaded file of a delivery: its table, name, sha256, source header, rows, load time.
INSERT INTO raw.files (centre_id, delivery, table_name, file, file_sha256, source_columns,
                       rows, loaded_at)
VALUES ($centre_id, $delivery, $table_name, $file, $file_sha256, $source_columns, $rows,
        $loaded_at);
