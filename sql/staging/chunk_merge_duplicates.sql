-- Repeated keys (the registered frame _duplicate_rows, one quarantine row each): a row
-- already quarantined by its own rules gets the issue appended to its reason (as if found
-- with them: last, and its value where the earlier issues had none); the others are added.
UPDATE scratch.quarantine q
SET reason = q.reason || '; ' || d.reason, n_issues = q.n_issues + 1,
    value = coalesce(q.value, d.value)
FROM _duplicate_rows d
WHERE q.table_name = d.table_name AND q.source_row = d.source_row AND q.phase = 0;
INSERT INTO scratch.quarantine BY NAME
SELECT d.* FROM _duplicate_rows d
WHERE NOT EXISTS (SELECT 1 FROM scratch.quarantine q
                  WHERE q.table_name = d.table_name AND q.source_row = d.source_row);
