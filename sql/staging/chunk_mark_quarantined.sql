-- Rows of the registered frame _moved_rows (source_row) leave the delivery's staging.
UPDATE scratch.{table} SET _quarantined = true
WHERE source_row IN (SELECT source_row FROM _moved_rows);
