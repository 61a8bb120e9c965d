-- Cairn PostgreSQL schema v1. Applied once, inside a transaction, by
-- src/storage/postgres/migrations.ts, which records it in cairn_migrations.
-- Never edit a released migration: add 0002_….sql.
--
-- The same rows as the SQLite schema (migrations/0001_init.sql and
-- 0002_leaf_groups.sql; contract in src/storage/types.ts), in PostgreSQL's types:
-- bigint indices and sizes, bytea hashes and bodies. Every row except the
-- right-edge tiles, the checkpoint at the latest size, the head and the meta table
-- is written once and never updated.

-- Log entries. The UNIQUE constraint's index serves dedup lookups (leaf hash -> idx).
CREATE TABLE entries (
  idx             bigint PRIMARY KEY CHECK (idx >= 0),
  leaf_hash       bytea  NOT NULL UNIQUE CHECK (length(leaf_hash) = 32),
  body            bytea  NOT NULL CHECK (length(body) <= 65535),
  kind            text   NOT NULL,
  integrated_time bigint NOT NULL,
  set_sig         bytea  NOT NULL
);

-- Hash tiles other than full level-0 ones, C2SP tlog-tiles coordinates (height 8).
-- Only the right edge of each level is ever rewritten, and only by a wider row that
-- keeps the stored level-0 hashes (enforced by the upsert in statements.ts).
-- Hashes do not compress: stored out of line without trying (STORAGE EXTERNAL).
CREATE TABLE tiles (
  level  integer NOT NULL CHECK (level >= 0),
  idx    bigint  NOT NULL CHECK (idx >= 0),
  width  integer NOT NULL CHECK (width BETWEEN 1 AND 256),
  hashes bytea   NOT NULL,
  PRIMARY KEY (level, idx)
);
ALTER TABLE tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;

-- Full level-0 tiles as 16 leaf-group rows each (layout: src/merkle/leaf-group.ts):
-- an inclusion proof reads one 1,088-byte row. Written once, never changed.
CREATE TABLE leaf_groups (
  grp    bigint PRIMARY KEY CHECK (grp >= 0),
  hashes bytea  NOT NULL CHECK (length(hashes) = 1088)
);

-- Published checkpoints (signed notes), one per tree size.
CREATE TABLE checkpoints (
  size    bigint PRIMARY KEY CHECK (size >= 0),
  root    bytea  NOT NULL CHECK (length(root) = 32),
  time_ms bigint NOT NULL,
  note    text   NOT NULL
);

-- The size of the log: the row every commit's compare-and-swap updates
-- (UPDATE log_head SET size = new WHERE size = previous). Its row lock
-- serialises writers: of two transactions on the same previous size, the
-- second waits for the first and then matches no row.
CREATE TABLE log_head (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),
  size bigint  NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (one, size) VALUES (true, 0);

-- Witness cosignature lines; seq orders them by insertion.
CREATE TABLE cosignatures (
  seq     bigint GENERATED ALWAYS AS IDENTITY,
  size    bigint NOT NULL,
  witness text   NOT NULL,
  line    text   NOT NULL,
  PRIMARY KEY (size, witness)
);

-- Exact search: normalised key -> entry index, written in the entry's transaction.
CREATE TABLE search_keys (
  key text   NOT NULL,
  idx bigint NOT NULL,
  PRIMARY KEY (key, idx)
);

-- Log identity and settings that never change once set (tree ID, origin, …).
CREATE TABLE meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);
