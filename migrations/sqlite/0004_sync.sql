-- Incremental-sync cursors, one per connector and object.
CREATE TABLE sync_state (
    system     TEXT NOT NULL,
    object     TEXT NOT NULL,
    direction  TEXT NOT NULL DEFAULT 'pull',
    cursor     TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (system, object, direction)
);

-- Changes waiting to be pushed to a system; acknowledged rows are deleted.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    system      TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    record_id   INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    fields      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT    NOT NULL,
    UNIQUE (system, object, record_id)
);

-- Every field disagreement found by the three-way merge, resolved or open.
CREATE TABLE conflict_log (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    record_id    INTEGER NOT NULL,
    field        TEXT    NOT NULL,
    base_value   TEXT,
    local_value  TEXT,
    remote_value TEXT,
    remote_system TEXT   NOT NULL,
    policy       TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('open', 'auto_resolved', 'resolved')),
    resolved_value TEXT,
    created_at   TEXT    NOT NULL,
    resolved_at  TEXT
);
CREATE INDEX conflict_log_status ON conflict_log (status);
