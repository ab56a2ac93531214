-- A data manager confirms a query's value ($1 query_id, $2 reason, $3 time, $4 who).
INSERT OR REPLACE INTO quality.query_acceptances (query_id, accepted_reason, accepted_at,
                                                  accepted_by)
VALUES ($1, $2, $3, $4);
