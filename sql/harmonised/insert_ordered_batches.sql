-- The batches of a centre's harmonised partition ({source}, with their order columns
-- _o1.._o3) into {target}, in the order harmonising the whole centre gives.
INSERT INTO {target} BY NAME
SELECT * EXCLUDE (_o1, _o2, _o3) FROM {source}
ORDER BY _o1, _o2, _o3;
