/**
 * A cutover run again after a server on PostgreSQL wrote to the finished
 * copy without sequencing (src/migrate/extend.ts), as an operator runs it
 * with the real `cairn serve`, `cairn witness` and `cairn migrate`: the
 * cosignature a witness made of the copy's head while `cairn serve
 * --database-url` served it is kept, and the copy extends (exit 0); a copy
 * holding a meta row the source lacks, or a cosignature that is not a
 * witness's of a checkpoint the source published, has diverged: refused
 * (exit 2) with nothing written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNote } from '../../src/note/index.js';
import { openPostgresImport } from '../../src/storage/index.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { httpRequest } from '../support/http-client.js';
import { usePostgres, withPostgresStore } from '../support/postgres.js';
import { servingVkey, startCommand, startServer, type ServerProcess } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

interface Summary {
  finished: boolean;
  alreadyFinished: boolean;
  size: number;
  resumedAt?: number;
  entriesCopied: number;
  cosignatures: number;
  keptCosignatures: number;
}

describe('cairn migrate: a finished copy a server wrote to without sequencing', function () {
  this.timeout(180_000);
  const server = usePostgres();
  let dir: string;
  let data: string;
  const procs: ServerProcess[] = [];
  const factory = new SignedEntryFactory('diverged');
  const publicUrl = 'http://log.example.test';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-diverged-'));
    data = join(dir, 'log');
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Start a server with `args`, submit `n` entries, run `meanwhile`, stop it. */
  async function serve(args: string[], n: number, meanwhile: (s: ServerProcess) => Promise<void> = async () => undefined): Promise<void> {
    const s = await startServer(['--data-dir', data, '--public-url', publicUrl, '--batch-max-age-ms', '2', ...args]);
    procs.push(s);
    for (let i = 0; i < n; i++) {
      const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
      assert.equal(r.status, 201, r.body.toString());
    }
    await meanwhile(s);
    assert.equal((await s.stop()).code, 0);
    procs.splice(procs.indexOf(s), 1);
  }

  async function migrate(url: string): Promise<{ status: number | null; summary?: Summary; stderr: string; run: string }> {
    const r = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    return { status: r.status, stderr: r.stderr, run: describeRun(r), ...(r.status === 0 ? { summary: JSON.parse(r.stdout) as Summary } : {}) };
  }

  /** Exit 2 with `message`; the copy as it was (its import state, meta, head, cosignatures), and it still opens. */
  async function refused(url: string, message: RegExp): Promise<void> {
    const state = async (): Promise<unknown[]> => {
      const target = await openPostgresImport({ url });
      try {
        return [await target.status(), await target.meta(), await target.allCosignatures(), await target.counts()];
      } finally {
        await target.close();
      }
    };
    const before = await state();
    const run = await migrate(url);
    assert.equal(run.status, 2, run.run);
    assert.match(run.stderr, message);
    assert.deepEqual(await state(), before, 'nothing written');
    await withPostgresStore(url, async (store) => assert.ok(await store.latestCheckpoint(), 'it still opens (not marked unfinished)'));
  }

  it("keeps the cosignature a witness made of the copy's head while cairn serve --database-url served it, and extends", async () => {
    await serve([], 5);
    const url = await server().createDatabase();
    const first = await migrate(url);
    assert.equal(first.status, 0, first.run);

    const info = await withPostgresStore(url, async (store) => ({ treeId: (await store.getMeta('treeId')) ?? '', vkey: (await store.getMeta('vkey')) ?? '' }));
    const w = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', `log.example.test - ${info.treeId}=${info.vkey}`]);
    procs.push(w);
    // The server on the copy submits its head to the witness at start, sequencing nothing; poll until it serves the cosignature.
    await serve(['--database-url', url, '--witness-backoff-ms', '20', '--witness-interval-ms', '0', '--witness', `${w.url}=${servingVkey(w)}`], 0, async (s) => {
      for (let i = 0; i < 200 && parseNote(await (await fetch(`${s.url}/checkpoint`)).text()).signatures.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    });
    assert.equal((await withPostgresStore(url, (store) => store.cosignatures(5))).filter((c) => c.witness === 'w1.example').length, 1, "the witness's cosignature of the copy's head");

    await serve([], 3);
    const second = await migrate(url);
    assert.equal(second.status, 0, second.run);
    assert.deepEqual([second.summary?.finished, second.summary?.resumedAt, second.summary?.entriesCopied, second.summary?.size, second.summary?.keptCosignatures], [true, 5, 3, 8, 1]);
    assert.equal((await withPostgresStore(url, (store) => store.cosignatures(5))).length, 1, 'kept');
    const text = await runCairn(['migrate', '--from', data, '--to', url]);
    assert.equal(text.status, 0, describeRun(text));
    assert.match(text.stdout, /kept 1 cosignatures a server on the copy collected from witnesses for checkpoints the source published/);
  });

  it('refuses a copy holding a meta row the source lacks, or a cosignature that is not a witness’s, as diverged (exit 2), writing nothing', async () => {
    await serve([], 4);
    const [metaUrl, cosignedUrl] = [await server().createDatabase(), await server().createDatabase()];
    for (const url of [metaUrl, cosignedUrl]) assert.equal((await migrate(url)).status, 0);
    await withPostgresStore(metaUrl, (store) => store.setMeta('example.extra', 'written on the copy'));
    await withPostgresStore(cosignedUrl, (store) => store.addCosignature({ size: 4, witness: 'w1.example', line: '— w2.example AAAAAAAA' }));
    for (const grown of [false, true]) {
      if (grown) await serve([], 2);
      await refused(metaUrl, /cairn migrate: couldn't copy into \S+: its copy of this log \(size 4\) has diverged from the source: it holds meta example\.extra, which the source does not;/);
      await refused(cosignedUrl, /has diverged from the source: the cosignatures of the checkpoint at size 4 differ from the source's: the copy's by w1\.example is a signature line by "w2\.example"/);
    }
  });
});
