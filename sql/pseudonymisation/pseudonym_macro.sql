-- The pseudonym of one patient computed in DuckDB: 'P' and the first 20 hex digits of
-- HMAC-SHA256(key, centre_id || U+001F || patient_id), the message UTF-8 encoded, exactly as
-- warehouse/pseudonym.py pseudonym() (RFC 2104: HMAC(K, m) = H((K0^opad) || H((K0^ipad) || m))).
-- inner_key and outer_key are the padded keys K0^ipad and K0^opad (BLOB, 64 bytes), passed at
-- call time as query parameters: the macro holds no key and is a TEMP macro (never stored).
-- Blobs are joined with || (BLOB || BLOB is a BLOB): concat() of blobs returns VARCHAR in
-- DuckDB 1.4 and would hash the escaped text, not the bytes. sha256 of a BLOB hashes its bytes.
CREATE OR REPLACE TEMP MACRO hmac_pseudonym(inner_key, outer_key, centre_id, patient_id) AS
    'P' || left(sha256(outer_key || unhex(sha256(
        inner_key || encode(centre_id || chr(31) || patient_id)))), 20);
