-- The warehouse's key was used by a refresh at this time.
UPDATE pseudonymisation.key SET last_used_at = ?;
