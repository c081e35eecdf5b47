-- Canonical records (one row per real-world contact) and their links to outside systems.
CREATE TABLE records (
    id               INTEGER PRIMARY KEY,
    object           TEXT    NOT NULL DEFAULT 'contact',
    first_name       TEXT,
    last_name        TEXT,
    email            TEXT,
    phone            TEXT,
    phone_ext        TEXT,
    mobile           TEXT,
    company          TEXT,
    title            TEXT,
    website          TEXT,
    lifecycle_stage  TEXT,
    lead_status      TEXT,
    lead_source      TEXT,
    owner            TEXT,
    street           TEXT,
    city             TEXT,
    state            TEXT,
    postal_code      TEXT,
    country          TEXT,
    notes            TEXT,
    email_opt_out    INTEGER NOT NULL DEFAULT 0,
    call_opt_out     INTEGER NOT NULL DEFAULT 0,
    do_not_contact   INTEGER NOT NULL DEFAULT 0,
    dnc_reason       TEXT,
    custom           TEXT    NOT NULL DEFAULT '{}',
    invalid          TEXT    NOT NULL DEFAULT '{}',
    source_created_at  TEXT,
    source_modified_at TEXT,
    created_run_id   INTEGER,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX records_email ON records (email);
CREATE INDEX records_phone ON records (phone);

-- (system, object, source_id) identifies a record in one outside system: a CRM, or a file
-- source named at import. `base` is the field snapshot after the last successful sync with
-- that system (the common ancestor of the three-way merge); file sources leave it NULL.
CREATE TABLE record_links (
    id                 INTEGER PRIMARY KEY,
    record_id          INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    system             TEXT    NOT NULL,
    object             TEXT    NOT NULL DEFAULT 'contact',
    source_id          TEXT    NOT NULL,
    key_kind           TEXT    NOT NULL DEFAULT 'column',
    base               TEXT,
    remote_modified_at TEXT,
    last_run_id        INTEGER,
    -- Which input (file fingerprint) and row the stored values came from: a tie between
    -- an incoming row and the stored one goes to the later row of the same file.
    source_file        TEXT,
    source_row         INTEGER,
    deleted            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (system, object, source_id)
);
CREATE INDEX record_links_record ON record_links (record_id);
