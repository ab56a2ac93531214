-- A staging table on first use, with the columns of the delivery being staged.
CREATE TABLE IF NOT EXISTS staging.{table} AS
SELECT * EXCLUDE (_quarantined, _key) FROM scratch.{table} LIMIT 0;
