-- The files of one delivery as loaded: table, file, sha256 and rows.
SELECT table_name, file, file_sha256, rows
FROM raw.files
WHERE centre_id = ? AND delivery = ?;
