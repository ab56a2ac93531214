-- Latest result of every check recorded in one refresh.
SELECT asset, check_name, partition, passed, severity
FROM meta.check_results
WHERE refresh_id = ?
QUALIFY row_number() OVER (PARTITION BY asset, check_name, partition
                           ORDER BY checked_at DESC) = 1
ORDER BY asset, check_name, partition;
