-- A fresh scratch schema for one centre's harmonised batches.
DROP SCHEMA IF EXISTS scratch_harmonised CASCADE;
CREATE SCHEMA scratch_harmonised;
