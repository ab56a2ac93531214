-- The warehouse's pseudonymisation key: its fingerprint (an HMAC of a fixed label under the
-- key, never the key), its mode (production or demo) and every deliberate re-key. Working
-- and restricted databases only; the analysts' file gets meta.pseudonymisation.
CREATE SCHEMA IF NOT EXISTS pseudonymisation;
CREATE TABLE IF NOT EXISTS pseudonymisation.key (
    fingerprint     VARCHAR NOT NULL,      -- hex HMAC-SHA256(key, fixed label)
    mode            VARCHAR NOT NULL,      -- production or demo
    established_at  TIMESTAMP NOT NULL,    -- first use, or the last re-key
    last_used_at    TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS pseudonymisation.rekeys (
    rekey_id         VARCHAR PRIMARY KEY,
    rekeyed_at       TIMESTAMP NOT NULL,
    old_fingerprint  VARCHAR NOT NULL,
    new_fingerprint  VARCHAR NOT NULL,
    patients         BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS pseudonymisation.key_crosswalk (
    rekey_id         VARCHAR NOT NULL,
    centre_id        VARCHAR NOT NULL,
    old_patient_key  VARCHAR NOT NULL,
    new_patient_key  VARCHAR NOT NULL
);
