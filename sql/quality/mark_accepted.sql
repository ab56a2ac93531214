-- The accepted query's row in quality.queries ($1 query_id, $2 reason).
UPDATE quality.queries SET accepted_reason = $2,
    status = CASE WHEN status = 'open' THEN 'accepted' ELSE status END
WHERE query_id = $1;
