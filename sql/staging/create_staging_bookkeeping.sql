-- Which raw delivery (by signature) each staging table was built from.
CREATE TABLE IF NOT EXISTS staging.deliveries (
    centre_id  VARCHAR NOT NULL,
    delivery   VARCHAR NOT NULL,
    signature  VARCHAR NOT NULL,
    staged_at  TIMESTAMP NOT NULL
);
