-- Forget an earlier record of this refresh (a re-run of registry_refresh replaces it).
DELETE FROM meta.refreshes WHERE refresh_id = ?;
