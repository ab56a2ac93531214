-- Failed checks of one refresh (latest result per check).
SELECT asset, check_name, partition, severity, description, details
FROM meta.check_results
WHERE refresh_id = ? AND NOT passed
QUALIFY row_number() OVER (PARTITION BY asset, check_name, partition
                           ORDER BY checked_at DESC) = 1
ORDER BY severity, asset, check_name, partition;
