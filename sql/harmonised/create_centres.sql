-- Which delivery each centre's harmonised partition was derived from, by which code version:
-- an incremental refresh re-derives a centre whose rows an older code version wrote.
CREATE TABLE IF NOT EXISTS harmonised.centres (
    centre_id VARCHAR PRIMARY KEY,
    delivery VARCHAR,
    code_version VARCHAR,
    patients BIGINT,
    harmonised_at TIMESTAMP
);
