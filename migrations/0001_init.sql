-- Cairn schema v1. Applied once, inside a transaction, by src/storage/sqlite/db.ts,
-- which then sets PRAGMA user_version = 1. Never edit a released migration: add 0002_….sql.
--
-- Every row except the right-edge tiles, the checkpoint at the latest size and the
-- meta table is written once and never updated (see src/storage/types.ts).

-- Marks the file as a Cairn database ('CAIR'); db.ts refuses files with another id.
PRAGMA application_id = 1128352082;

-- Log entries. idx is the rowid, so appends go to the right edge of the table b-tree
-- and range reads (tiles, entry bundles) are sequential. The UNIQUE constraint builds
-- the (leaf_hash -> idx) index that serves dedup lookups as a covering index;
-- measured against a separate WITHOUT ROWID table keyed by leaf hash in
-- test/storage/measure.ts (same b-tree shape, one statement fewer per row).
CREATE TABLE entries (
  idx             INTEGER PRIMARY KEY,
  leaf_hash       BLOB    NOT NULL UNIQUE,
  body            BLOB    NOT NULL,
  kind            TEXT    NOT NULL,
  integrated_time INTEGER NOT NULL,
  set_sig         BLOB    NOT NULL
) STRICT;

-- Hash tiles, C2SP tlog-tiles coordinates (height 8). Only the right edge of each
-- level is ever rewritten, and only by a wider row (enforced in store.ts).
-- A rowid table, not WITHOUT ROWID: rows are up to ~16 KiB, and in a WITHOUT ROWID
-- b-tree every interior cell carries up to ~1 KiB of its row, so fan-out collapses
-- and the tree deepens as the log grows. Measured (test/storage/measure.ts): a tile
-- read costs ~14 µs here vs ~66 µs WITHOUT ROWID at 40,000 tiles (~10M entries).
CREATE TABLE tiles (
  level  INTEGER NOT NULL,
  idx    INTEGER NOT NULL,
  width  INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
  hashes BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) STRICT;

-- Published checkpoints (signed notes), one per tree size.
CREATE TABLE checkpoints (
  size    INTEGER PRIMARY KEY,
  root    BLOB    NOT NULL,
  time_ms INTEGER NOT NULL,
  note    TEXT    NOT NULL
) STRICT;

-- Witness cosignature lines. A rowid table so that ORDER BY rowid is insertion order.
CREATE TABLE cosignatures (
  size    INTEGER NOT NULL,
  witness TEXT    NOT NULL,
  line    TEXT    NOT NULL,
  PRIMARY KEY (size, witness)
) STRICT;

-- Exact search: normalised key -> entry index, written in the entry's transaction.
CREATE TABLE search_keys (
  key TEXT    NOT NULL,
  idx INTEGER NOT NULL,
  PRIMARY KEY (key, idx)
) STRICT, WITHOUT ROWID;

-- Log identity and settings that never change once set (tree ID, origin, …).
CREATE TABLE meta (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
