-- Cairn schema v3: the log's trees (shards), oldest first. Applied once, inside a
-- transaction, by src/storage/sqlite/migrations.ts.
--
-- A log is a sequence of trees: the last row is the active tree, every earlier one
-- is frozen (Rekor v1's inactive shards). The entries and search_keys tables hold
-- every tree's entries at their global ("virtual") index: tree k's leaf i is entry
-- first_index + i. The active tree's tiles, leaf groups, checkpoints and cosignatures
-- are in the tables of those names; freezing a tree renames its four tables to
-- shard_<ordinal>_tiles, shard_<ordinal>_leaf_groups, shard_<ordinal>_checkpoints and
-- shard_<ordinal>_cosignatures and creates empty ones for the next tree, in the same
-- transaction that adds its row here (src/storage/sqlite/rotate.ts): O(1) whatever
-- the size of the frozen tree, and crash-atomic.
--
-- The first row is written at the first start with this schema (from the log's
-- identity), so an existing log becomes tree 0 without rewriting anything.
CREATE TABLE shards (
  ordinal        INTEGER PRIMARY KEY,
  tree_id        TEXT    NOT NULL UNIQUE,
  first_index    INTEGER NOT NULL,
  -- The tree's log key (SETs, Rekor checkpoint line): SPKI PEM. Never changes.
  public_key     TEXT    NOT NULL,
  -- Its Ed25519 note key (C2SP checkpoint line), SPKI PEM; NULL when the log key is Ed25519.
  note_key       TEXT,
  -- Time of the tree's size-0 checkpoint (ms): its key signs from then on.
  created_ms     INTEGER NOT NULL,
  -- Set when the tree is frozen: its final size and when (ms). NULL while active.
  frozen_size    INTEGER,
  frozen_ms      INTEGER
) STRICT;
