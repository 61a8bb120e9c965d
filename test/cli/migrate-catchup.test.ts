/**
 * The cutover `cairn migrate` makes possible, as an operator runs it on a
 * real PostgreSQL server: copy while the SQLite server serves, stop it, run
 * again (only what was added since is copied, the whole copy proved), start
 * `cairn serve --database-url`. A copy that server opened without writing is
 * still extended; once it sequenced into the copy, the copy has diverged and
 * a run is refused (exit 2) with nothing written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore, openSnapshot } from '../../src/storage/index.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { httpRequest } from '../support/http-client.js';
import { usePostgres, withPostgresStore } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';
import { sameAnswers } from '../support/store-answers.js';

interface Summary {
  ok: boolean;
  finished: boolean;
  alreadyFinished: boolean;
  size: number;
  resumedAt?: number;
  entriesCopied: number;
}

describe('cairn migrate: the cutover (a finished copy caught up)', function () {
  this.timeout(180_000);
  const server = usePostgres();
  let dir: string;
  const procs: ServerProcess[] = [];
  const factory = new SignedEntryFactory('cutover');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-cutover-'));
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Start a server with `args`, submit `n` entries, stop it. */
  async function serve(args: string[], n: number): Promise<void> {
    const s = await startServer(args);
    procs.push(s);
    for (let i = 0; i < n; i++) {
      const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
      assert.equal(r.status, 201, r.body.toString());
    }
    assert.equal((await s.stop()).code, 0);
    procs.splice(0);
  }

  async function migrate(data: string, url: string): Promise<{ status: number | null; summary?: Summary; stderr: string; run: string }> {
    const r = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    return { status: r.status, stderr: r.stderr, run: describeRun(r), ...(r.status === 0 ? { summary: JSON.parse(r.stdout) as Summary } : {}) };
  }

  it('copies only what was added since, also after cairn serve --database-url started on the copy; refuses a copy it wrote to', async () => {
    const data = join(dir, 'log');
    const onSqlite = ['--data-dir', data, '--batch-max-age-ms', '2'];
    const onPostgres = (url: string): string[] => [...onSqlite, '--database-url', url];
    await serve(onSqlite, 12);
    const url = await server().createDatabase();
    const first = await migrate(data, url);
    assert.equal(first.status, 0, first.run);
    assert.deepEqual([first.summary?.size, first.summary?.entriesCopied], [12, 12]);

    // The SQLite server served on (in a real cutover: during the copy); stopped; migrate again.
    await serve(onSqlite, 7);
    const second = await migrate(data, url);
    assert.equal(second.status, 0, second.run);
    assert.deepEqual([second.summary?.finished, second.summary?.alreadyFinished, second.summary?.resumedAt, second.summary?.entriesCopied, second.summary?.size], [true, false, 12, 7, 19]);
    assert.match(second.stderr, /cairn migrate: cairn\.db: extended its finished copy at size 12/);

    // The server on PostgreSQL started and stopped without a write (it adds its cluster secret): still extended.
    await serve(onPostgres(url), 0);
    const opened = await openPostgresStore({ url });
    assert.match((await opened.getMeta('clusterSecret')) ?? '', /^[0-9a-f]{64}$/, 'the server added its cluster secret');
    await opened.close();
    await serve(onSqlite, 3);
    const third = await migrate(data, url);
    assert.equal(third.status, 0, third.run);
    assert.deepEqual([third.summary?.resumedAt, third.summary?.entriesCopied, third.summary?.size], [19, 3, 22]);
    const source = openSnapshot(join(data, 'cairn.db'));
    const copy = await openPostgresStore({ url });
    try {
      await sameAnswers(source.store, copy, source);
    } finally {
      await copy.close();
      source.close();
    }

    // The server on PostgreSQL sequenced an entry: the copy has diverged; refused, nothing written.
    await serve(onPostgres(url), 1);
    await serve(onSqlite, 2);
    const refused = await migrate(data, url);
    assert.equal(refused.status, 2, refused.run);
    assert.match(refused.stderr, /has diverged from the source: its head checkpoint \(size 23\) is not one the source published/);
    await withPostgresStore(url, async (after) =>
      assert.equal((await after.latestCheckpoint())?.size, 23, 'the copy as the server left it, and still opens (not marked unfinished)'),
    );
  });
});
