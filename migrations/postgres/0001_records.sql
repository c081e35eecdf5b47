-- Canonical records (one row per real-world contact) and their links to outside systems.
CREATE TABLE records (
    id               BIGSERIAL PRIMARY KEY,
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
    email_opt_out    BOOLEAN NOT NULL DEFAULT FALSE,
    call_opt_out     BOOLEAN NOT NULL DEFAULT FALSE,
    do_not_contact   BOOLEAN NOT NULL DEFAULT FALSE,
    dnc_reason       TEXT,
    custom           JSONB   NOT NULL DEFAULT '{}',
    invalid          JSONB   NOT NULL DEFAULT '{}',
    source_created_at  TIMESTAMPTZ,
    source_modified_at TIMESTAMPTZ,
    created_run_id   BIGINT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX records_email ON records (email);
CREATE INDEX records_phone ON records (phone);

-- (system, object, source_id) identifies a record in one outside system: a CRM, or a file
-- source named at import. `base` is the field snapshot after the last successful sync with
-- that system (the common ancestor of the three-way merge); file sources leave it NULL.
CREATE TABLE record_links (
    id                 BIGSERIAL PRIMARY KEY,
    record_id          BIGINT  NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    system             TEXT    NOT NULL,
    object             TEXT    NOT NULL DEFAULT 'contact',
    source_id          TEXT    NOT NULL,
    key_kind           TEXT    NOT NULL DEFAULT 'column',
    base               JSONB,
    remote_modified_at TIMESTAMPTZ,
    last_run_id        BIGINT,
    -- Which input (file fingerprint) and row the stored values came from: a tie between
    -- an incoming row and the stored one goes to the later row of the same file.
    source_file        TEXT,
    source_row         BIGINT,
    deleted            BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (system, object, source_id)
);
CREATE INDEX record_links_record ON record_links (record_id);
