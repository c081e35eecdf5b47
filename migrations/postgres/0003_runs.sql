-- One row per import or sync run, with its accounting. `events_done` is the resume cursor:
-- how many reader events (rows, rejects, blanks) are committed, updated in the same
-- transaction as the rows they produced.
CREATE TABLE runs (
    id                BIGSERIAL PRIMARY KEY,
    kind              TEXT    NOT NULL,
    system            TEXT    NOT NULL,
    input             TEXT,
    fingerprint       TEXT,
    options           JSONB   NOT NULL DEFAULT '{}',
    status            TEXT    NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    events_done       BIGINT  NOT NULL DEFAULT 0,
    rows_read         BIGINT  NOT NULL DEFAULT 0,
    inserted          BIGINT  NOT NULL DEFAULT 0,
    updated           BIGINT  NOT NULL DEFAULT 0,
    unchanged         BIGINT  NOT NULL DEFAULT 0,
    duplicates_merged BIGINT  NOT NULL DEFAULT 0,
    rejected          BIGINT  NOT NULL DEFAULT 0,
    dnc_flagged       BIGINT  NOT NULL DEFAULT 0,
    invalid_values    BIGINT  NOT NULL DEFAULT 0,
    blank_rows        BIGINT  NOT NULL DEFAULT 0,
    stale_skipped     BIGINT  NOT NULL DEFAULT 0,
    elapsed_ms        BIGINT  NOT NULL DEFAULT 0,
    error             TEXT
);
CREATE INDEX runs_resume ON runs (system, fingerprint, status);

-- Rows that could not be imported, with position and reason.
CREATE TABLE rejects (
    id        BIGSERIAL PRIMARY KEY,
    run_id    BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    file      TEXT    NOT NULL,
    row_num   BIGINT  NOT NULL,
    col       TEXT,
    reason    TEXT    NOT NULL,
    raw       TEXT
);
CREATE INDEX rejects_run ON rejects (run_id);

-- Field-level history of every change crmsync made to a record.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    run_id     BIGINT REFERENCES runs (id) ON DELETE SET NULL,
    record_id  BIGINT NOT NULL,
    system     TEXT   NOT NULL,
    field      TEXT   NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_id);
