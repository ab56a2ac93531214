-- One deliberate re-key: id, time, old and new fingerprints, patients re-derived.
INSERT INTO pseudonymisation.rekeys (rekey_id, rekeyed_at, old_fingerprint, new_fingerprint,
                                     patients)
VALUES (?, ?, ?, ?, ?);
