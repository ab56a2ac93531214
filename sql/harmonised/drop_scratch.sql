-- The scratch schema of the harmonised batches, once the partition is written.
DROP SCHEMA IF EXISTS scratch_harmonised CASCADE;
