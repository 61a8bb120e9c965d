-- Cairn PostgreSQL schema v4: the log's trees (shards), as SQLite's
-- migrations/0003_shards.sql records them. Applied once, inside a transaction,
-- by src/storage/postgres/migrations.ts. Never edit a released migration: add
-- the next number.
--
-- A log is a sequence of trees: the last row is the active tree, every earlier
-- one is frozen (Rekor v1's inactive shards). entries and search_keys hold every
-- tree's entries at their global ("virtual") index: tree k's leaf i is entry
-- first_index + i. Each tree keeps its tiles, leaf groups, checkpoints and
-- cosignatures in its own four tables, which never move: tree 0 in tiles,
-- leaf_groups, checkpoints and cosignatures (a log that never rotated is
-- unchanged), tree k >= 1 in shard_<k>_tiles, shard_<k>_leaf_groups,
-- shard_<k>_checkpoints and shard_<k>_cosignatures, created (LIKE tree 0's) by
-- the rotation's transaction (src/storage/postgres/shards.ts). A node that
-- has not yet learnt of a rotation another node made thus still reads its
-- tree's own rows, never the next tree's.
--
-- The first row is written at the first start with this schema (from the log's
-- identity), so an existing log becomes tree 0 without rewriting anything.
CREATE TABLE shards (
  ordinal        bigint  PRIMARY KEY CHECK (ordinal >= 0),
  tree_id        text    NOT NULL UNIQUE,
  first_index    bigint  NOT NULL CHECK (first_index >= 0),
  -- The tree's log key (SETs, Rekor checkpoint line): SPKI PEM. Never changes.
  public_key     text    NOT NULL,
  -- Its Ed25519 note key (C2SP checkpoint line), SPKI PEM; NULL when the log key is Ed25519.
  note_key       text,
  -- Time of the tree's size-0 checkpoint (ms): its key signs from then on.
  created_ms     bigint  NOT NULL,
  -- Set when the tree is frozen: its final size and when (ms). NULL while active.
  frozen_size    bigint  CHECK (frozen_size >= 0),
  frozen_ms      bigint
);

-- The head names the tree its size is of, and whether the log is frozen for
-- good. Every batch's compare-and-swap requires its tree to be the head's and
-- the log not frozen; a rotation swaps (size, tree) from (final size, k) to
-- (0, k + 1) in the same way, a freeze sets frozen. So a writer that has not
-- learnt of a rotation or a freeze matches no row and writes nothing.
ALTER TABLE log_head ADD COLUMN tree bigint NOT NULL DEFAULT 0 CHECK (tree >= 0);
ALTER TABLE log_head ADD COLUMN frozen boolean NOT NULL DEFAULT false;
