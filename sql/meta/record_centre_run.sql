-- What one centre's refresh did (warehouse.bookkeeping.record_centre_run).
INSERT INTO meta.centre_runs (refresh_id, centre_id, status, current_delivery,
                              deliveries_loaded, rows_delivered, rows_staged, rows_quarantined,
                              checks_failed, message, finished_at)
VALUES ($refresh_id, $centre_id, $status, $current_delivery, $deliveries_loaded,
        $rows_delivered, $rows_staged, $rows_quarantined, $checks_failed, $message,
        $finished_at);
