-- The delivery's quarantined rows (all tables) into {target}, in the order staging found
-- them: per table, its own rules by source row, then each cross-table rule by source row.
INSERT INTO {target} BY NAME
SELECT * EXCLUDE (table_order, phase), $now::TIMESTAMP AS quarantined_at
FROM scratch.quarantine
ORDER BY table_order, phase, source_row;
