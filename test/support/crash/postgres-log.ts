/**
 * The crash harness's look inside a PostgreSQL database holding a v1 log
 * (migrations/postgres/0001_init.sql), after a restart: what a batch commits
 * in one transaction (its entries, the head's size, the checkpoint) must
 * agree, so a batch cut short by a SIGKILL left nothing half-written.
 */
import pg from 'pg';

/** What is wrong in the log stored at `url`: empty when entries are dense from 0 and end where the head and the latest checkpoint say. */
export async function postgresLogProblems(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (
      await client.query<{ entries: number; last: number | null; head: number; checkpoint: number | null }>(
        'SELECT (SELECT count(*) FROM entries)::int AS entries, (SELECT max(idx) FROM entries)::int AS last, ' +
          '(SELECT size FROM log_head)::int AS head, (SELECT max(size) FROM checkpoints)::int AS checkpoint',
      )
    ).rows[0]!;
    const problems: string[] = [];
    if (row.entries !== (row.last ?? -1) + 1) problems.push(`${row.entries} entries up to index ${row.last}: not dense`);
    if (row.head !== row.entries) problems.push(`the head says size ${row.head}, ${row.entries} entries are stored`);
    if ((row.checkpoint ?? 0) !== row.entries) problems.push(`the latest checkpoint has size ${row.checkpoint}, ${row.entries} entries are stored`);
    return problems;
  } finally {
    await client.end();
  }
}
