/**
 * `cairn migrate` as an operator runs it, on a real PostgreSQL server: a log
 * the real `cairn serve` built (a witness's cosignatures, several checkpoints,
 * search keys) is copied and proved, and the store's reads answer the same on
 * the copy; a second run proves the finished copy again; a target holding
 * another log, or other tables, is refused; a copy taken while the
 * server serves and writes is proved and left unfinished (exit 5), then
 * finished once the server stopped; a row changed in an unfinished copy fails
 * the finishing run; a run killed mid-copy resumes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { isLogError } from '../../src/errors.js';
import { proveStoredLog } from '../../src/log/index.js';
import { parseNote } from '../../src/note/index.js';
import { openPostgresStore, openSnapshot, openSqliteStore } from '../../src/storage/index.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { ecKey, hashedRekord } from '../support/http.js';
import { httpRequest } from '../support/http-client.js';
import { eachLine } from '../support/lines.js';
import { usePostgres } from '../support/postgres.js';
import { MAIN_JS, servingVkey, startCommand, startServer, type ServerProcess } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';
import { sameAnswers } from '../support/store-answers.js';
import { openTestLog, rawEntry } from '../support/test-log.js';

interface Summary {
  ok: boolean;
  alreadyFinished: boolean;
  finished: boolean;
  size: number;
  root: string;
  resumedAt?: number;
  entriesCopied: number;
  checkpoints: number;
  cosignatures: number;
  searchKeys: number;
  logs: { file: string; schema: string | null; size: number; root: string; entriesCopied: number; alreadyFinished: boolean }[];
  absent: string[];
}

/** The fields of a summary that say what the copy is (not how long it took). */
function pick(s: Summary): Partial<Summary> {
  return { ok: s.ok, finished: s.finished, alreadyFinished: s.alreadyFinished, size: s.size, root: s.root, entriesCopied: s.entriesCopied, checkpoints: s.checkpoints, cosignatures: s.cosignatures, searchKeys: s.searchKeys };
}

describe('cairn migrate', function () {
  this.timeout(180_000);
  const server = usePostgres();
  let dir: string;
  const procs: ServerProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-cli-'));
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a log the real server built, with cosignatures and search keys, proves it, and refuses a target that is not empty', async () => {
    const data = join(dir, 'log');
    const publicUrl = 'http://log.example.test';
    const first = await startServer(['--data-dir', data, '--public-url', publicUrl]);
    const info = (await (await fetch(`${first.url}/api/v1/log`)).json()) as { treeID: string };
    const vkey = (await (await fetch(`${first.url}/api/v1/log/vkey`)).text()).trim();
    await first.stop();
    const w = await startCommand('witness', ['--data-dir', join(dir, 'w1'), '--name', 'w1.example', '--log', `log.example.test - ${info.treeID}=${vkey}`]);
    procs.push(w);
    const cairn = await startServer(['--data-dir', data, '--public-url', publicUrl, '--witness-backoff-ms', '20', '--witness-interval-ms', '0', '--witness', `${w.url}=${servingVkey(w)}`]);
    const key = ecKey();
    for (let i = 0; i < 24; i++) {
      const r = await httpRequest(cairn.url, 'POST', '/api/v1/log/entries', { body: JSON.stringify(hashedRekord(key, `artifact ${i}`)) });
      assert.equal(r.status, 201, r.body.toString());
    }
    // Across processes there is no event to await: poll the served checkpoint until the witness cosigned size 24 (bounded).
    for (let i = 0; i < 200 && parseNote(await (await fetch(`${cairn.url}/checkpoint`)).text()).signatures.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cairn.stop()).code, 0);

    const url = await server().createDatabase();
    const r = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    assert.equal(r.status, 0, describeRun(r));
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual([s.ok, s.finished, s.size, s.entriesCopied], [true, true, 24, 24]);
    assert.ok(s.checkpoints >= 3, `several checkpoints (${s.checkpoints})`);
    assert.ok(s.cosignatures >= 1, 'the witness’s cosignatures');
    assert.ok(s.searchKeys >= 24, 'search keys');
    assert.deepEqual(s.logs.map((l) => [l.file, l.schema]), [['cairn.db', null], ['rekor-v2.db', 'cairn_rekor_v2'], ['admin-log.db', 'cairn_admin_log']]);
    assert.deepEqual(s.absent, []);
    assert.match(r.stderr, /cairn migrate: cairn\.db: copied entries 24\/24 \(/);
    assert.match(r.stderr, /cairn migrate: cairn\.db: proved entries 24\/24 \(/);

    const source = openSnapshot(join(data, 'cairn.db'));
    const copy = await openPostgresStore({ url });
    try {
      await sameAnswers(source.store, copy, source);
      assert.ok((await copy.cosignatures(24)).some((c) => c.witness === 'w1.example'), 'the latest checkpoint’s cosignature');
      // Independently of migrate's own proof: what cairn check proves of a data dir, on the copy (rehashed whole, signed by both keys).
      const checked = await proveStoredLog(copy, createPublicKey(readFileSync(join(data, 'log-key.pem'))));
      assert.deepEqual([checked.treeSize, checked.root, checked.signatures], [24, s.root, { noteKey: 'verified', logKey: 'verified' }]);
      assert.equal(checked.rehashed.entries, 24);
    } finally {
      await copy.close();
      source.close();
    }

    // Run again: the finished copy of this very log is proved again, nothing written.
    const again = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    assert.equal(again.status, 0, describeRun(again));
    assert.deepEqual(pick(JSON.parse(again.stdout) as Summary), { ...pick(s), entriesCopied: 0, alreadyFinished: true });
    assert.match(again.stderr, /holds this log's finished copy already; proving it again/);
    // Another log into a database that holds one: refused, nothing written.
    const other = join(dir, 'other');
    await (await startServer(['--data-dir', other])).stop();
    const refusedLog = await runCairn(['migrate', '--from', other, '--to', url]);
    assert.equal(refusedLog.status, 2, describeRun(refusedLog));
    assert.match(refusedLog.stderr, /holds a log \(size 24\) that is not this log's copy \(its meta \w+ differs\); cairn migrate copies only into an empty database/);
    const foreign = await server().createDatabase();
    const c = new pg.Client({ connectionString: foreign });
    await c.connect();
    await c.query('CREATE TABLE customers (id integer)');
    await c.end();
    const refused = await runCairn(['migrate', '--from', data, '--to', foreign]);
    assert.equal(refused.status, 2, describeRun(refused));
    assert.match(refused.stderr, /not a Cairn database/);
    const noLog = await runCairn(['migrate', '--from', join(dir, 'nothing'), '--to', url]);
    assert.equal(noLog.status, 4, describeRun(noLog));
    const usage = await runCairn(['migrate', '--from', data], { CAIRN_DATABASE_URL: '' });
    assert.equal(usage.status, 2, describeRun(usage));
    const unreachable = await runCairn(['migrate', '--from', data, '--to', 'postgres://postgres@127.0.0.1:1/none']);
    assert.equal(unreachable.status, 3, describeRun(unreachable));
  });

  it('copies its snapshot while the server serves and writes (exit 5, unfinished), then finishes once the server stopped', async () => {
    const data = join(dir, 'log');
    const s = await startServer(['--data-dir', data, '--batch-max-age-ms', '2']);
    procs.push(s);
    const factory = new SignedEntryFactory('migrate under load');
    let answered = 0;
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
        assert.equal(r.status, 201, r.body.toString());
        answered++;
      }
    });
    const url = await server().createDatabase();
    let during: Awaited<ReturnType<typeof runCairn>>;
    try {
      while (answered < 200) await new Promise((r) => setImmediate(r));
      during = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    assert.equal(during.status, 5, describeRun(during));
    const first = JSON.parse(during.stdout) as Summary;
    assert.deepEqual([first.ok, first.finished], [false, false]);
    assert.ok(first.size >= 200, `the snapshot holds what was answered before (${first.size})`);
    assert.match(during.stderr, /not finished: .*cairn\.lock.*; stop that server and run cairn migrate again/);
    await assert.rejects(openPostgresStore({ url }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /has not finished copying/.test(e.message));

    const final = (await (await fetch(`${s.url}/api/v1/log`)).json()) as { treeSize: number; rootHash: string };
    assert.ok(final.treeSize > first.size, 'the server wrote after the snapshot');
    assert.equal((await s.stop()).code, 0);
    procs.splice(0);
    const after = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    assert.equal(after.status, 0, describeRun(after));
    const done = JSON.parse(after.stdout) as Summary;
    assert.deepEqual([done.finished, done.resumedAt, done.size, done.root], [true, first.size, final.treeSize, final.rootHash]);
    assert.equal(done.entriesCopied, final.treeSize - first.size, 'only what was added is copied');
    const copy = await openPostgresStore({ url });
    assert.equal((await copy.latestCheckpoint())?.size, final.treeSize);
    await copy.close();
  });

  it('a row changed in an unfinished copy fails the finishing run, naming it (exit 1), and the copy stays unfinished', async () => {
    const data = join(dir, 'log');
    const s = await startServer(['--data-dir', data]);
    const factory = new SignedEntryFactory('tamper');
    for (let i = 0; i < 40; i++) assert.equal((await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json })).status, 201);
    assert.equal((await s.stop()).code, 0);
    // A live process holding the data dir's lock, as a running server does: the copy is proved but not finished.
    writeFileSync(join(data, 'cairn.lock'), `${process.pid}\n`);
    const url = await server().createDatabase();
    const held = await runCairn(['migrate', '--from', data, '--to', url]);
    assert.equal(held.status, 5, describeRun(held));
    assert.match(held.stdout, /^copied \(not finished\) .* tree size 40, root [0-9a-f]{64}\n/);
    rmSync(join(data, 'cairn.lock'));

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("UPDATE entries SET body = overlay(body PLACING 'X'::bytea FROM 3) WHERE idx = 17");
    await c.end();
    const r = await runCairn(['migrate', '--from', data, '--to', url]);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /cairn migrate: the copy does not prove out: entry 17's body differs from the source's\n/);
    await assert.rejects(openPostgresStore({ url }), (e: unknown) => isLogError(e, 'CONFIG_INVALID'));
  });

  it('a run killed mid-copy leaves the copy unfinished at a published size, and the next run resumes there', async () => {
    const file = join(dir, 'log', 'cairn.db');
    mkdirSync(join(dir, 'log'));
    const store = openSqliteStore({ path: file });
    const t = await openTestLog(store);
    t.store.setMeta('origin', t.identity.origin);
    t.store.setMeta('vkey', t.identity.vkey);
    const waits = [];
    for (let i = 0; i < 6000; i++) waits.push(t.log.submit(rawEntry(`killed ${i} ${'x'.repeat(200)}`, [`sha256:${i}`])));
    await Promise.all(waits);
    await t.log.close();
    const published = new Set(store.listCheckpoints(0, 100_000).map((c) => c.size));
    store.close();

    const url = await server().createDatabase();
    const child = spawn(process.execPath, [MAIN_JS, 'migrate', '--from', join(dir, 'log'), '--to', url, '--chunk-entries', '64'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    await new Promise<void>((resolve) => {
      eachLine(child.stderr, (line) => {
        if (/copied entries \d+\/6000/.test(line)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    assert.equal(await exited, 'SIGKILL');

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const head = (await c.query<{ size: string }>('SELECT size FROM log_head')).rows[0]?.size;
    const checkpoint = (await c.query('SELECT 1 FROM checkpoints WHERE size = (SELECT size FROM log_head)')).rowCount;
    const entries = (await c.query<{ n: string }>('SELECT count(*) AS n FROM entries')).rows[0]?.n;
    await c.end();
    const size = Number(head);
    assert.ok(size > 0 && size < 6000, `killed part way (size ${size})`);
    assert.ok(published.has(size), `at a published size (${size})`);
    assert.equal(checkpoint, 1, 'with the checkpoint of that size');
    assert.equal(Number(entries), size, 'and nothing beyond it');
    await assert.rejects(openPostgresStore({ url }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /run cairn migrate again/.test(e.message));

    const r = await runCairn(['migrate', '--from', join(dir, 'log'), '--to', url, '--json']);
    assert.equal(r.status, 0, describeRun(r));
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual([s.finished, s.resumedAt, s.size, s.entriesCopied, s.searchKeys], [true, size, 6000, 6000 - size, 6000]);
    assert.match(r.stderr, new RegExp(`resumed an unfinished copy at size ${size}`));
    const copy = await openPostgresStore({ url });
    assert.equal((await copy.latestCheckpoint())?.size, 6000);
    await copy.close();
  });
});
