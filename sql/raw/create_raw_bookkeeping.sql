-- One row per delivered file ever loaded (the raw layer's ledger): idempotent re-loads
-- compare the file's sha256 with the one recorded here.
CREATE TABLE IF NOT EXISTS raw.files (
    centre_id    VARCHAR NOT NULL,
    delivery     VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    file         VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source_columns VARCHAR,
    rows         BIGINT NOT NULL,
    loaded_at    TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.deliveries (
    centre_id        VARCHAR NOT NULL,
    delivery         VARCHAR NOT NULL,
    complete_reason  VARCHAR,
    signature        VARCHAR NOT NULL,   -- sha256 of the sorted file hashes
    loaded_at        TIMESTAMP NOT NULL,
    stat_fingerprint VARCHAR             -- names, sizes and mtimes: unchanged = not re-read
);
