-- Links were indexed by record twice: on (record_id) for the foreign key and per-record
-- lookups, and on (system, record_id) for the sync engine's joins. Every one of those queries
-- compares record_id for equality, and system too when it filters by system at all, so one
-- index on (record_id, system) serves them all, and each link written maintains one index
-- less (on PostgreSQL, a load into an empty table builds one index less at its end).
DROP INDEX IF EXISTS record_links_system_record;
DROP INDEX IF EXISTS record_links_record;
CREATE INDEX IF NOT EXISTS record_links_record ON record_links (record_id, system);
