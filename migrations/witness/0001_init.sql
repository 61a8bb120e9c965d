-- Cairn witness state, schema v1. Applied once, inside a transaction, by src/storage/sqlite/db.ts
-- (openDatabase with migrationsDir migrations/witness/), which then sets PRAGMA user_version = 1.
-- Never edit a released migration: add 0002_….sql.

-- Marks the file as a Cairn witness database ('CAWI'); a log database ('CAIR') is refused and vice versa.
PRAGMA application_id = 1128355657;

-- The latest checkpoint the witness cosigned, per log origin (c2sp.org/tlog-witness: the witness
-- "MUST persist the new checkpoint before responding", with the check-and-update atomic).
-- Rows are only ever replaced by a larger or equal size proven consistent with them.
CREATE TABLE witnessed (
  origin  TEXT    NOT NULL PRIMARY KEY,
  size    INTEGER NOT NULL CHECK (size >= 0),
  root    BLOB    NOT NULL CHECK (length(root) = 32),
  note    TEXT    NOT NULL,
  time_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
