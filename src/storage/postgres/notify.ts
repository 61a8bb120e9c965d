/**
 * The channel on which a PostgreSQL store announces its new checkpoints
 * (PostgresStore.appendBatch sends `NOTIFY <channel>, '<size>'` inside the
 * batch's transaction; src/storage/postgres/checkpoint-listener.ts LISTENs).
 *
 * What PostgreSQL promises (https://www.postgresql.org/docs/current/sql-notify.html):
 * - a notification sent inside a transaction is delivered only if and when
 *   that transaction commits: a rolled-back batch announces nothing;
 * - it reaches every session of the same database LISTENing on the channel at
 *   that moment, not sessions that connect later (a listener that was away
 *   learns of the commit from the poll instead);
 * - the same channel and payload twice in one transaction are delivered once;
 * - the payload is shorter than 8000 bytes (here a decimal size);
 * - a channel name is an identifier: at most 63 bytes (NAMEDATALEN - 1), any
 *   longer name being truncated by the server.
 *
 * Notifications are scoped to a database, and the logs of one database (the
 * v1 log, the Rekor v2 tree, the admin log, and other clusters' logs) each
 * live in a schema of their own (src/cli/log-databases.ts): the channel is
 * named for the schema that holds the store's head row, so no two logs of a
 * database share one.
 */
import { createHash } from 'node:crypto';

/** What every checkpoint channel starts with. */
const PREFIX = 'cairn_checkpoint.';

/** Longest channel name the server keeps whole (NAMEDATALEN - 1), bytes. */
const MAX_CHANNEL_BYTES = 63;

/**
 * The checkpoint channel of the log whose tables are in `schema`:
 * `cairn_checkpoint.<schema>`, or, for a schema name too long for that to
 * fit in 63 bytes, `cairn_checkpoint#<the first 40 hex digits of the name's
 * SHA-256>` (a form no short name takes, so the two never collide).
 */
export function checkpointChannel(schema: string): string {
  const plain = `${PREFIX}${schema}`;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_CHANNEL_BYTES) return plain;
  return `cairn_checkpoint#${createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 40)}`;
}
