-- Cairn PostgreSQL schema v6: reloads asked of one node, for every node on
-- the database (src/cluster/reloads.ts). Applied once, inside a transaction,
-- by src/storage/postgres/migrations.ts. Never edit a released migration: add
-- the next number.
--
-- An admin reload (POST /api/v1/admin/tokens/reload, …/witnesses/reload) runs
-- on the node asked, which then bumps the operation's generation here; every
-- other node reads the generations every second and runs the same reload of
-- its own files when one moved.
CREATE TABLE cluster_reloads (
  what         text        PRIMARY KEY CHECK (what IN ('tokens', 'witnesses')),
  generation   bigint      NOT NULL CHECK (generation > 0),
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL
);
