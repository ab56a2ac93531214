-- Unexpected errors of the steps with their full text, which may quote source values
-- (centre_id "(registry)" for a registry-wide step: harmonised, analysis, outcomes, publish):
-- restricted (Dagster's logs and meta only carry the error's type and place).
CREATE TABLE IF NOT EXISTS quarantine.errors (
    refresh_id   VARCHAR,
    centre_id    VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,
    error_type   VARCHAR NOT NULL,
    error_text   VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
