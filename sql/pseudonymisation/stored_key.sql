-- The warehouse's key fingerprint and mode (no row before the first analysis build).
SELECT fingerprint, mode FROM pseudonymisation.key;
