-- Quarantined rows per rule of the delivery being staged.
SELECT rule, count(*) AS n FROM scratch.quarantine GROUP BY rule ORDER BY n DESC, rule;
