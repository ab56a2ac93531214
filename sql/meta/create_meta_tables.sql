-- Bookkeeping of every refresh: what ran, on which deliveries, with which results.
CREATE TABLE IF NOT EXISTS meta.refreshes (
    refresh_id      VARCHAR PRIMARY KEY,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,      -- running, published, not_published, failed
    published       BOOLEAN NOT NULL DEFAULT false,
    centres         VARCHAR,               -- JSON: centre -> {status, delivery, rows...}
    row_counts      VARCHAR,               -- JSON: layer.table -> rows
    check_results   VARCHAR,               -- JSON: check -> passed
    code_version    VARCHAR,
    message         VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.centre_runs (
    refresh_id          VARCHAR NOT NULL,
    centre_id           VARCHAR NOT NULL,
    status              VARCHAR NOT NULL,  -- loaded, unchanged, failed
    current_delivery    VARCHAR,
    deliveries_loaded   VARCHAR,           -- comma-separated delivery dates loaded in this refresh
    rows_delivered      BIGINT,
    rows_staged         BIGINT,
    rows_quarantined    BIGINT,
    checks_failed       INTEGER,
    message             VARCHAR,
    finished_at         TIMESTAMP
);
CREATE TABLE IF NOT EXISTS meta.check_results (
    refresh_id   VARCHAR,
    asset        VARCHAR NOT NULL,
    check_name   VARCHAR NOT NULL,
    partition    VARCHAR,
    passed       BOOLEAN NOT NULL,
    severity     VARCHAR NOT NULL,
    description  VARCHAR,
    details      VARCHAR,
    checked_at   TIMESTAMP NOT NULL
);
