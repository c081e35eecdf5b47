-- No query looks records up by phone (DNC matching runs on normalized values in memory, and
-- identity matching across systems is by email), yet every import paid to build this index:
-- about a second per million records. Drop it; a feature that matches by phone brings the
-- index back together with the query that uses it.
DROP INDEX IF EXISTS records_phone;
