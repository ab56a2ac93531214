-- One refresh: its outcome, the centres, row counts and check results it saw (JSON texts).
INSERT INTO meta.refreshes (refresh_id, started_at, finished_at, status, published, centres,
                            row_counts, check_results, code_version, message)
VALUES ($refresh_id, $started_at, $finished_at, $status, $published, $centres, $row_counts,
        $check_results, $code_version, $message);
