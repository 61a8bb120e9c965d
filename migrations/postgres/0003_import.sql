-- Cairn PostgreSQL schema v3: a log being copied in (cairn migrate).
-- Applied once, inside a transaction, by src/storage/postgres/migrations.ts.
-- Never edit a released migration: add the next number.
--
-- The row exists from the moment a copy into an empty database begins until
-- the copy is proved whole (src/storage/postgres/import.ts). While it exists
-- the database holds a prefix of a log at one of its published sizes, and
-- openPostgresStore refuses to serve it: the source may still be growing, and a
-- server appending here would fork the log under the same origin and keys.
CREATE TABLE import_state (
  one        boolean PRIMARY KEY DEFAULT true CHECK (one),
  -- Where the copy comes from, as cairn migrate named it (for messages).
  source     text    NOT NULL,
  -- When the copy began, ms since the epoch.
  started_ms bigint  NOT NULL
);
