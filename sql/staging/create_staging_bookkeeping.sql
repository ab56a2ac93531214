-- Which raw delivery (by signature) each staging table was built from.
CREATE TABLE IF NOT EXISTS staging.deliveries (
    centre_id  VARCHAR NOT NULL,
    delivery   VARCHAR NOT NULL,
    signature  VARCHAR NOT NULL,
    staged_at  TIMESTAMP NOT NULL
);
-- No silent shrink: a staged delivery that lost too many patients or events, or quarantined
-- too many rows, is held (decision 'held') until a data manager accepts it
-- (`aml-registry accept-delivery`, decision 'accepted'). The newest row per centre,
-- delivery and signature is the decision in force.
CREATE TABLE IF NOT EXISTS meta.delivery_decisions (
    centre_id   VARCHAR NOT NULL,
    delivery    VARCHAR NOT NULL,
    signature   VARCHAR NOT NULL,
    decision    VARCHAR NOT NULL,   -- held, accepted, superseded (a newer or corrected
                                    -- delivery became current: nothing to decide)
    reason      VARCHAR NOT NULL,
    decided_by  VARCHAR,
    command     VARCHAR,
    refresh_id  VARCHAR,
    decided_at  TIMESTAMP NOT NULL
);
-- Patients of the previous current delivery that the new one no longer holds (deleted at
-- the source): identifiable, so in the restricted quarantine schema only. A same-date
-- re-send is compared with the delivery's content it replaces. A held re-send's missing
-- patients are listed with its signature (held_signature): they are not deleted while the
-- delivery's accepted content (which still holds them) is in use; accepted, the re-send is
-- staged and they are listed again without it. Each row is a data managers' query
-- (quality.queries, rule deleted_at_source), resolved once a later delivery holds the patient.
CREATE TABLE IF NOT EXISTS quarantine.deleted_patients (
    centre_id          VARCHAR NOT NULL,
    patient_id         VARCHAR NOT NULL,
    last_delivery      VARCHAR NOT NULL,   -- the last delivery that held the patient
    missing_from       VARCHAR NOT NULL,   -- the delivery without the patient
    recorded_at        TIMESTAMP NOT NULL,
    held_signature     VARCHAR             -- the held re-send without the patient, else NULL
);
ALTER TABLE quarantine.deleted_patients ADD COLUMN IF NOT EXISTS held_signature VARCHAR;
-- A re-send of a centre's current delivery (same date, changed files) held by the shrink
-- guard: the centre stays on the delivery's last accepted content (its rows in staging stay
-- untouched); the re-send's row counts per table wait here for the row accounting, its
-- quarantined rows in quarantine.held_rows (restricted), until it is accepted or re-sent.
CREATE TABLE IF NOT EXISTS staging.held_resends (
    centre_id         VARCHAR NOT NULL,
    delivery          VARCHAR NOT NULL,
    signature         VARCHAR NOT NULL,   -- the held re-send's raw signature
    kept_signature    VARCHAR NOT NULL,   -- the content the centre stays on
    table_name        VARCHAR NOT NULL,
    staged_rows       BIGINT NOT NULL,
    quarantined_rows  BIGINT NOT NULL,
    staged_at         TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine.held_rows (
    centre_id       VARCHAR,
    delivery        VARCHAR,
    table_name      VARCHAR,
    file            VARCHAR,
    source_row      BIGINT,
    column_name     VARCHAR,
    value           VARCHAR,
    rule            VARCHAR,
    reason          VARCHAR,
    n_issues        BIGINT,
    quarantined_at  TIMESTAMP
);
-- The delivery that is each centre's current state: its newest staged delivery that is not
-- held by the shrink guard (one definition, used by staging, analysis and outcomes).
CREATE OR REPLACE VIEW staging.current_deliveries AS
SELECT centre_id, max(delivery) AS delivery
FROM staging.deliveries d
WHERE NOT EXISTS (
    SELECT 1 FROM meta.delivery_decisions h
    WHERE h.centre_id = d.centre_id AND h.delivery = d.delivery AND h.signature = d.signature
      AND h.decision = 'held'
      AND h.decided_at = (SELECT max(x.decided_at) FROM meta.delivery_decisions x
                          WHERE x.centre_id = h.centre_id AND x.delivery = h.delivery
                            AND x.signature = h.signature)
)
GROUP BY centre_id;
