-- Staged and quarantined rows of one table of the delivery being staged.
SELECT count(*) FILTER (WHERE NOT _quarantined) AS staged,
       count(*) FILTER (WHERE _quarantined) AS quarantined
FROM scratch.{table};
