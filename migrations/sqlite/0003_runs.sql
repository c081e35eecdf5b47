-- One row per import or sync run, with its accounting. `events_done` is the resume cursor:
-- how many reader events (rows, rejects, blanks) are committed, updated in the same
-- transaction as the rows they produced.
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL,
    system            TEXT    NOT NULL,
    input             TEXT,
    fingerprint       TEXT,
    options           TEXT    NOT NULL DEFAULT '{}',
    status            TEXT    NOT NULL,
    started_at        TEXT    NOT NULL,
    finished_at       TEXT,
    events_done       INTEGER NOT NULL DEFAULT 0,
    rows_read         INTEGER NOT NULL DEFAULT 0,
    inserted          INTEGER NOT NULL DEFAULT 0,
    updated           INTEGER NOT NULL DEFAULT 0,
    unchanged         INTEGER NOT NULL DEFAULT 0,
    duplicates_merged INTEGER NOT NULL DEFAULT 0,
    rejected          INTEGER NOT NULL DEFAULT 0,
    dnc_flagged       INTEGER NOT NULL DEFAULT 0,
    invalid_values    INTEGER NOT NULL DEFAULT 0,
    blank_rows        INTEGER NOT NULL DEFAULT 0,
    stale_skipped     INTEGER NOT NULL DEFAULT 0,
    elapsed_ms        INTEGER NOT NULL DEFAULT 0,
    error             TEXT
);
CREATE INDEX runs_resume ON runs (system, fingerprint, status);

-- Rows that could not be imported, with position and reason.
CREATE TABLE rejects (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    file      TEXT    NOT NULL,
    row_num   INTEGER NOT NULL,
    col       TEXT,
    reason    TEXT    NOT NULL,
    raw       TEXT
);
CREATE INDEX rejects_run ON rejects (run_id);

-- Field-level history of every change crmsync made to a record.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    record_id  INTEGER NOT NULL,
    system     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    at         TEXT    NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_id);
