-- A deliberate re-key: the new fingerprint replaces the old one (parameters: new
-- fingerprint, time).
UPDATE pseudonymisation.key SET fingerprint = ?, established_at = ?, last_used_at = ?;
