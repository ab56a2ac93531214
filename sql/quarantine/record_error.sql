-- An unexpected error of a centre step with its full text (restricted: it may quote values).
INSERT INTO quarantine.errors (refresh_id, centre_id, step, error_type, error_text,
                               recorded_at)
VALUES ($refresh_id, $centre_id, $step, $error_type, $error_text, $recorded_at);
