-- The staged rows of the delivery being staged into staging.{table} (its previous rows
-- deleted first, in the same transaction). No ORDER BY: scratch.{table} was written chunk
-- by chunk in source order, and a scan keeps insertion order (DuckDB's
-- preserve_insertion_order), without sorting a whole table in memory.
INSERT INTO staging.{table} BY NAME
SELECT * EXCLUDE (_quarantined, _key) FROM scratch.{table} WHERE NOT _quarantined;
