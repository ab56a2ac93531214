-- The staged rows of the delivery being staged into staging.{table}, in source order (its
-- previous rows deleted first, in the same transaction).
INSERT INTO staging.{table} BY NAME
SELECT * EXCLUDE (_quarantined, _key) FROM scratch.{table} WHERE NOT _quarantined
ORDER BY source_row;
