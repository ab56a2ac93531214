-- The scratch schemas a killed staging or harmonised step left behind (chunks and batches
-- are written outside the delivery's transaction): never part of a release, nor of the
-- restricted copy, which copies the whole working database. Every centre step that ran in
-- this refresh dropped its own; only a crash leaves one.
DROP SCHEMA IF EXISTS scratch CASCADE;
DROP SCHEMA IF EXISTS scratch_harmonised CASCADE;
