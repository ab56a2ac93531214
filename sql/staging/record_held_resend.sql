-- One table of a held same-date re-send: its counts, kept beside the content that stays in use.
INSERT INTO staging.held_resends (centre_id, delivery, signature, kept_signature, table_name,
                                  staged_rows, quarantined_rows, staged_at)
VALUES ($centre_id, $delivery, $signature, $kept_signature, $table_name, $staged_rows,
        $quarantined_rows, $staged_at);
