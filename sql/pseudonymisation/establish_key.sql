-- Remember the key of a new warehouse: fingerprint, mode, established and last used at.
INSERT INTO pseudonymisation.key (fingerprint, mode, established_at, last_used_at)
VALUES (?, ?, ?, ?);
