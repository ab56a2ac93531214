-- A delivery entry that cannot be loaded, first seen in this refresh (the centre, the entry,
-- its fingerprint, file, row, column and problem).
INSERT INTO meta.delivery_problems (centre_id, entry, fingerprint, file, source_row,
                                    column_name, problem, first_seen_refresh, first_seen_at)
VALUES ($centre_id, $entry, $fingerprint, $file, $source_row, $column_name, $problem,
        $first_seen_refresh, $first_seen_at);
