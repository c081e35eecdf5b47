-- Input fingerprints shrink from the full SHA-256 (64 hex digits) to its first 64 bits (16
-- hex digits): every record link stores one, so the long form cost ~48 bytes per record.
-- Cutting the stored ones keeps "same input" comparisons working across the upgrade.
UPDATE record_links SET source_file = substr(source_file, 1, 16) WHERE length(source_file) > 16;
UPDATE runs SET fingerprint = substr(fingerprint, 1, 16) WHERE length(fingerprint) > 16;
