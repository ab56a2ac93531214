SELECT query_id, accepted_reason FROM quality.query_acceptances;
