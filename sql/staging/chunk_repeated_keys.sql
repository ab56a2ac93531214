-- Every typed row (staged or quarantined) whose key another row of the delivery's table
-- repeats (_key: the typed key as one text, NULL when a required part is missing), in
-- source order: all that the duplicate-key rule needs of a whole table.
SELECT * EXCLUDE (_quarantined, _key)
FROM scratch.{table}
WHERE _key IN (SELECT _key FROM scratch.{table} WHERE _key IS NOT NULL
               GROUP BY _key HAVING count(*) > 1)
ORDER BY source_row;
