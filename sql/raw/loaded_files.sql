SELECT table_name, file, file_sha256
FROM raw.files
WHERE centre_id = ? AND delivery = ?;
