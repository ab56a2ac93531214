-- Entries of a centre folder that could not be loaded (a broken delivery, a folder whose name
-- is not a real date, a future date, a symbolic link): kept as history and reported once.
-- `fingerprint` identifies the entry as it was (names, sizes, mtimes of its files): a changed
-- entry is read again. Problems name file, row and column, never a value.
CREATE TABLE IF NOT EXISTS meta.delivery_problems (
    centre_id          VARCHAR NOT NULL,
    entry              VARCHAR NOT NULL,   -- the delivery folder (or other entry) name
    fingerprint        VARCHAR NOT NULL,
    file               VARCHAR,
    source_row         BIGINT,
    column_name        VARCHAR,
    problem            VARCHAR NOT NULL,
    first_seen_refresh VARCHAR,
    first_seen_at      TIMESTAMP NOT NULL
);
