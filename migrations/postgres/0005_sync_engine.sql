-- Sync engine bookkeeping: outbox state, per-run sync counters, faster link lookups by
-- record, and at most one open conflict per record, field and system.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN updated_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN stats JSONB;
CREATE INDEX record_links_system_record ON record_links (system, record_id);
CREATE INDEX outbox_drain ON outbox (system, object, status, id);
CREATE UNIQUE INDEX conflict_log_one_open
    ON conflict_log (record_id, field, remote_system) WHERE status = 'open';
