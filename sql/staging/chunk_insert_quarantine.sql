-- The delivery's quarantined rows of one table and rule step, source rows $lo <= row < $hi,
-- into {target}, in source order: called group by group in the order staging found them
-- (per table, its own rules, then each cross-table rule), so no sort spans a whole file.
INSERT INTO {target} BY NAME
SELECT * EXCLUDE (table_order, phase), $now::TIMESTAMP AS quarantined_at
FROM scratch.quarantine
WHERE table_order = $table_order AND phase = $phase AND source_row >= $lo AND source_row < $hi
ORDER BY source_row;
