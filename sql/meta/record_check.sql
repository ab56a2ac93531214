-- One asset check result (warehouse.bookkeeping.record_check).
INSERT INTO meta.check_results (refresh_id, asset, check_name, partition, passed, severity,
                                description, details, checked_at)
VALUES ($refresh_id, $asset, $check_name, $partition, $passed, $severity, $description,
        $details, $checked_at);
