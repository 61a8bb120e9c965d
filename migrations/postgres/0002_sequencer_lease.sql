-- Cairn PostgreSQL schema v2: the sequencer lease (src/storage/postgres/lease.ts).
-- Never edit a released migration: add 0003_….sql.
--
-- Several Cairn nodes may serve one database; exactly one of them sequences,
-- the holder of this one row. Times are the database's (clock_timestamp()),
-- never a node's. Taking the lease over bumps the epoch; every batch commit
-- of the sequencing node requires, in its compare-and-swap on log_head, that
-- the row still names it with its epoch and has not expired (the fence), and
-- holds a KEY SHARE lock on the row until it commits: a takeover, which locks
-- the row FOR UPDATE first, waits for a commit in progress to end.
CREATE TABLE sequencer_lease (
  one         boolean     PRIMARY KEY DEFAULT true CHECK (one),
  -- The node holding (or last holding) the lease; '' before anyone took it.
  holder      text        NOT NULL,
  -- Where the other nodes forward admitted entries to (its --node-url).
  node_url    text        NOT NULL,
  -- Incremented by every takeover: a deposed holder's epoch never matches again.
  epoch       bigint      NOT NULL CHECK (epoch >= 0),
  acquired_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
INSERT INTO sequencer_lease (one, holder, node_url, epoch, acquired_at, expires_at)
VALUES (true, '', '', 0, 'epoch', 'epoch');
