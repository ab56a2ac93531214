-- The data managers' queries back to the centres (restricted: values and local record keys).
-- quality.query_acceptances is the only state a person writes (aml-registry queries accept):
-- it is never replaced by a refresh; quality.queries is rebuilt from it and the deliveries.
CREATE TABLE IF NOT EXISTS quality.query_acceptances (
    query_id         VARCHAR PRIMARY KEY,
    accepted_reason  VARCHAR NOT NULL,
    accepted_at      TIMESTAMP NOT NULL,
    accepted_by      VARCHAR
);
CREATE TABLE IF NOT EXISTS quality.queries (
    query_id              VARCHAR,
    centre_id             VARCHAR,
    source                VARCHAR,   -- quarantine, discrepancy or deleted_patient
    table_name            VARCHAR,
    file                  VARCHAR,
    source_row            BIGINT,
    record_key            VARCHAR,   -- the centre's own key of the record, else file:row
    column_name           VARCHAR,
    value                 VARCHAR,
    rule                  VARCHAR,
    kind                  VARCHAR,   -- conformance, completeness, plausibility (OHDSI DQD)
    reason                VARCHAR,
    status                VARCHAR,   -- open, resolved, accepted
    first_seen_delivery   VARCHAR,
    last_seen_delivery    VARCHAR,
    resolved_in_delivery  VARCHAR,
    root_query_id         VARCHAR,   -- the query this one is a knock-on of
    accepted_reason       VARCHAR,
    held_resend           BOOLEAN    -- the problem is in a held same-date re-send (its
                                     -- quarantined rows, the patients it lacks), not in the
                                     -- delivery's accepted content still in use
);
ALTER TABLE quality.queries ADD COLUMN IF NOT EXISTS held_resend BOOLEAN;
CREATE TABLE IF NOT EXISTS quality.query_history (
    refresh_id       VARCHAR,
    recorded_at      TIMESTAMP,
    centre_id        VARCHAR,
    current_delivery VARCHAR,
    open_queries     BIGINT,      -- root problems only (knock-ons not counted)
    knock_ons        BIGINT,
    accepted         BIGINT,
    resolved         BIGINT
);
