-- What one refresh did per centre.
SELECT centre_id, status, current_delivery, deliveries_loaded, rows_delivered, rows_staged,
       rows_quarantined, checks_failed, message
FROM meta.centre_runs
WHERE refresh_id = ?
ORDER BY centre_id;
