-- Every typed row (staged or quarantined) whose key may repeat another row's in the
-- delivery's table, in source order: the rows of one part ($part of $parts, by the hash of
-- the key) whose key hash occurs more than once (_key: the typed key as one text, NULL when
-- a required part is missing). A hash collision only adds rows that the duplicate-key rule
-- then finds unrepeated; the parts bound the database's memory for the counting.
SELECT * EXCLUDE (_quarantined, _key)
FROM scratch.{table}
WHERE _key IS NOT NULL AND hash(_key) % $parts = $part
  AND hash(_key) IN (SELECT hash(_key) FROM scratch.{table}
                     WHERE _key IS NOT NULL AND hash(_key) % $parts = $part
                     GROUP BY 1 HAVING count(*) > 1)
ORDER BY source_row;
