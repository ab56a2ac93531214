SELECT * FROM quality.query_history ORDER BY centre_id, recorded_at;
