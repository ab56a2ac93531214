-- The analysts' view of the key: its mode and when it was established or changed, never the
-- fingerprint (meta.pseudonymisation, meta.rekeys; published with the meta schema).
CREATE OR REPLACE TABLE meta.pseudonymisation AS
SELECT
    k.mode,
    k.mode = 'demo' AS is_demo,
    k.established_at AS key_established_at,
    (SELECT count(*) FROM pseudonymisation.rekeys) AS rekeys,
    (SELECT max(rekeyed_at) FROM pseudonymisation.rekeys) AS last_rekeyed_at
FROM pseudonymisation.key k;
CREATE OR REPLACE TABLE meta.rekeys AS
SELECT rekey_id, rekeyed_at, patients AS patients_rekeyed
FROM pseudonymisation.rekeys
ORDER BY rekeyed_at;
