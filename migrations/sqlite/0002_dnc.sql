-- Do-Not-Contact entries. `value` is normalized: E.164 phone, lowercased email or domain.
CREATE TABLE dnc_entries (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'domain')),
    value       TEXT NOT NULL,
    reason      TEXT,
    source      TEXT,
    expires_at  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (kind, value)
);
