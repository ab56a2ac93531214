-- Forget a centre's earlier record of this refresh (a re-run replaces it).
DELETE FROM meta.centre_runs WHERE refresh_id IS NOT DISTINCT FROM ? AND centre_id = ?;
