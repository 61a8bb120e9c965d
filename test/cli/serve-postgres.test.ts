/**
 * `cairn serve --database-url` (the real process) on a real PostgreSQL
 * server (test/support/postgres.ts): submissions through HTTP, then every
 * read surface (entries by index and UUID with their proofs and SETs,
 * consistency proofs, tiles and entry bundles, checkpoints, search) answered
 * from the database; the Rekor v2 tree and the admin audit log in their own
 * schemas; a restart on the same database keeps the log; the data dir holds
 * the keys only; the database password is never logged.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { makeIdentity } from '../../src/log/index.js';
import { TILE_WIDTH, leafHash, verifyConsistency } from '../../src/merkle/index.js';
import { openNote, parseCheckpoint } from '../../src/note/index.js';
import { goToolPath, runGoTool } from '../support/go.js';
import { getBytes, getJson, httpRequest } from '../support/http-client.js';
import { checkLogEntry, ecKey, hashedRekord, hashedRekordV2 } from '../support/http.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { spawnServe } from '../support/crash/process.js';
import { logRecord } from '../support/lines.js';
import { usePostgres } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { testKey } from '../support/test-log.js';

const PUBLIC_URL = 'http://log.example.test';
const PASSWORD = 'pw-never-logged-4f9a';

describe('cairn serve --database-url (the real process, PostgreSQL)', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let url: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-serve-pg-'));
    // A password in the URL (the test server trusts local connections, so any password is accepted): it must never be logged.
    url = (await server().createDatabase()).replace('postgres@', `postgres:${PASSWORD}@`);
    writeFileSync(join(dir, 'log-key.pem'), testKey(31).export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serveArgs = (): string[] => ['--data-dir', dir, '--database-url', url, '--public-url', PUBLIC_URL, '--key-file', join(dir, 'log-key.pem'), '--batch-max-age-ms', '2'];
  const start = (): Promise<ServerProcess> => startServer(serveArgs());

  it('waits --database-wait-ms for a database it cannot reach at start (/readyz 503 checking meanwhile), then serves; exits 2 once the wait is over, at once with 0', async () => {
    await server().crash();
    let down = true;
    try {
      const t0 = performance.now();
      const atOnce = await runCairn(['serve', '--port', '0', ...serveArgs(), '--database-wait-ms', '0']);
      assert.equal(atOnce.status, 2, describeRun(atOnce));
      assert.match(atOnce.stderr, /couldn't connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      assert.ok(!atOnce.stderr.includes('waiting for it'), describeRun(atOnce));
      assert.ok(performance.now() - t0 < 10_000);

      const t1 = performance.now();
      const bounded = await runCairn(['serve', '--port', '0', ...serveArgs(), '--database-wait-ms', '1200']);
      const waited = performance.now() - t1;
      assert.equal(bounded.status, 2, describeRun(bounded));
      assert.match(bounded.stderr, /the database cannot be reached; waiting for it \(--database-wait-ms\)/);
      assert.match(bounded.stderr, /after waiting \d+ s for the database: --database-wait-ms 1200/);
      assert.ok(waited >= 1_200 && waited < 15_000, `gave up after the wait (${Math.round(waited)} ms)`);
      assert.ok(!bounded.stderr.includes(PASSWORD), 'the password is never logged');

      // Started before the database: it waits, not ready, and serves once the database is up.
      const child = spawnServe([...serveArgs(), '--database-wait-ms', '60000']);
      try {
        const line = async (msg: string): Promise<Record<string, unknown>> => {
          for (let i = 0; i < 1_000; i++) {
            const rec = child.logs.map(logRecord).find((r) => r?.['msg'] === msg);
            if (rec !== undefined) return rec;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(`no log line ${JSON.stringify(msg)}: ${child.logs.join('\n')}`);
        };
        const listening = String((await line('listening; opening and checking the log'))['url']);
        const warning = await line('the database cannot be reached; waiting for it (--database-wait-ms)');
        assert.equal(warning['databaseWaitMs'], 60_000);
        assert.match(String(warning['err']), /ECONNREFUSED/);
        const ready = await httpRequest(listening, 'GET', '/readyz');
        assert.equal(ready.status, 503);
        assert.equal(JSON.parse(ready.body.toString()).reason, 'checking');
        await server().restart();
        down = false;
        const served = await child.serving;
        const r = await httpRequest(served, 'POST', '/api/v1/log/entries', { body: JSON.stringify(hashedRekord(ecKey(), 'after waiting for the database')) });
        assert.equal(r.status, 201, r.body.toString());
        assert.equal((await httpRequest(served, 'GET', '/readyz')).status, 200);
        assert.ok(!child.logs.join('\n').includes(PASSWORD), 'the password is never logged');
      } finally {
        await child.kill();
      }
    } finally {
      if (down) await server().restart();
    }
  });

  it('serves every read from the database, keeps the log across a restart, and never logs the password', async () => {
    const key = ecKey();
    let s = await start();
    const logs: string[] = [];
    try {
      const info = await getJson<{ treeID: string; treeSize: number }>(s.url, '/api/v1/log');
      const identity = makeIdentity(testKey(31), info.treeID, PUBLIC_URL);
      const n = 40;
      const proposed = Array.from({ length: n }, (_, i) => JSON.stringify(hashedRekord(key, `pg entry ${i}`)));
      const posted = await Promise.all(proposed.map((body) => httpRequest(s.url, 'POST', '/api/v1/log/entries', { body })));
      for (const r of posted) assert.equal(r.status, 201, `${r.status}: ${r.body.toString()}`);
      const entries = posted.map((r) => checkLogEntry({ identity }, JSON.parse(r.body.toString())));
      assert.deepEqual(entries.map((e) => e.logIndex).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'dense indices');
      const dup = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: proposed[3]! });
      assert.equal(dup.status, 409);

      // Entries by index and by UUID, proven against the latest checkpoint.
      for (const i of [0, 17, n - 1]) {
        const byIndex = checkLogEntry({ identity }, await getJson(s.url, `/api/v1/log/entries?logIndex=${i}`));
        assert.equal(byIndex.treeSize, n);
        const byId = checkLogEntry({ identity }, await getJson(s.url, `/api/v1/log/entries/${byIndex.id}`));
        assert.equal(byId.logIndex, i);
      }
      // Search by the artifact's digest.
      const digest = JSON.parse(Buffer.from(entries.find((e) => e.logIndex === 5)!.body).toString()).spec.data.hash.value as string;
      const found = await httpRequest(s.url, 'POST', '/api/v1/index/retrieve', { body: JSON.stringify({ hash: `sha256:${digest}` }) });
      assert.equal(found.status, 200);
      assert.deepEqual(JSON.parse(found.body.toString()), [entries.find((e) => e.logIndex === 5)!.id]);
      // The checkpoint and the checkpoint history, consistency between two published sizes.
      const cp = parseCheckpoint(openNote(await (await fetch(`${s.url}/checkpoint`)).text(), [...identity.checkpointVerifiers]).text);
      assert.equal(cp.size, n);
      const history = await getJson<{ checkpoints: Array<{ treeSize: number; rootHash: string }> }>(s.url, '/api/v1/log/checkpoints?from=1&limit=1000');
      const old = history.checkpoints[0]!;
      const proof = await getJson<{ rootHash: string; hashes: string[] }>(s.url, `/api/v1/log/proof?firstSize=${old.treeSize}&lastSize=${n}`);
      assert.equal(proof.rootHash, Buffer.from(cp.root).toString('hex'));
      verifyConsistency(old.treeSize, n, Buffer.from(old.rootHash, 'hex'), cp.root, proof.hashes.map((h) => Buffer.from(h, 'hex')));
      // Tiles and the entry bundle: the leaf hashes and bodies of the entries, in index order.
      const byIndex = [...entries].sort((a, b) => a.logIndex - b.logIndex);
      assert.ok(n < TILE_WIDTH);
      const tile = await getBytes(s.url, `/tile/0/000.p/${n}`);
      assert.deepEqual(tile, Buffer.concat(byIndex.map((e) => leafHash(e.body))));
      const bundle = await getBytes(s.url, `/tile/entries/000.p/${n}`);
      assert.deepEqual(bundle, Buffer.concat(byIndex.map((e) => Buffer.concat([Buffer.from([e.body.length >> 8, e.body.length & 255]), e.body]))));
      // The Rekor v2 tree, in its own schema.
      const v2 = await httpRequest(s.url, 'POST', '/api/v2/log/entries', { body: JSON.stringify(hashedRekordV2(key, 'pg v2 entry')) });
      assert.equal(v2.status, 201, v2.body.toString());
      assert.match(await (await fetch(`${s.url}/api/v2/checkpoint`)).text(), /^log\.example\.test\n1\n/);
      // Go's x/mod note and tlog: both trees' checkpoints open with the vkey, and their roots recompute from the tiles served.
      if (await goToolPath() !== undefined || process.env['CAIRN_REQUIRE_GO'] === '1') {
        for (const [base, size] of [[s.url, n], [`${s.url}/api/v2`, 1]] as const) {
          const r = await runGoTool(['verify-tiles', base, identity.vkey]);
          assert.equal(r.code, 0, `${base}: ${r.stderr}`);
          assert.equal((JSON.parse(r.stdout) as { size: number }).size, size);
        }
      } else {
        console.warn('    SKIPPED the Go x/mod part: go is not installed');
      }

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const heads = await client.query<{ schema: string }>("SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'log_head' ORDER BY 1");
        assert.deepEqual(heads.rows.map((r) => r.schema), ['cairn_admin_log', 'cairn_rekor_v2', 'public'], 'one database, a schema per log');
        const sizes = await client.query<{ v1: number; v2: number }>('SELECT (SELECT max(size) FROM public.checkpoints)::int AS v1, (SELECT max(size) FROM cairn_rekor_v2.checkpoints)::int AS v2');
        assert.deepEqual(sizes.rows[0], { v1: n, v2: 1 });
      } finally {
        await client.end();
      }
      assert.ok(!existsSync(join(dir, 'cairn.db')) && !existsSync(join(dir, 'rekor-v2.db')) && !existsSync(join(dir, 'admin-log.db')), 'no SQLite file in the data dir');

      logs.push(...s.logs);
      assert.equal((await s.stop()).code, 0);
      s = await start();
      const again = await getJson<{ treeID: string; treeSize: number }>(s.url, '/api/v1/log');
      assert.deepEqual([again.treeID, again.treeSize], [info.treeID, n], 'the same log after a restart');
      checkLogEntry({ identity }, await getJson(s.url, `/api/v1/log/entries?logIndex=${n - 1}`));
      const more = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: JSON.stringify(hashedRekord(key, 'after the restart')) });
      assert.equal(checkLogEntry({ identity }, JSON.parse(more.body.toString())).logIndex, n);
      assert.match(await (await fetch(`${s.url}/api/v2/checkpoint`)).text(), /^log\.example\.test\n1\n/, 'the v2 tree kept');
    } finally {
      logs.push(...s.logs);
      await s.stop();
    }
    const all = logs.join('\n');
    assert.ok(all.includes('***@127.0.0.1'), 'the database is named in the logs, its password masked');
    assert.ok(!all.includes(PASSWORD), 'the password never appears in the logs');
  });

  it('answers writes 503 at once and /readyz 503 while the database is down (reads from memory go on), takes them again and is ready once it is back, and loses nothing acknowledged', async () => {
    const key = ecKey();
    const s = await start();
    try {
      const info = await getJson<{ treeID: string }>(s.url, '/api/v1/log');
      const identity = makeIdentity(testKey(31), info.treeID, PUBLIC_URL);
      const post = async (i: number): Promise<{ status: number; ms: number; text: string; retryAfter: string | undefined }> => {
        const t0 = performance.now();
        const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: JSON.stringify(hashedRekord(key, `outage ${i}`)), timeoutMs: 30_000 });
        return { status: r.status, ms: performance.now() - t0, text: r.body.toString(), retryAfter: r.headers['retry-after'] as string | undefined };
      };
      const acked: string[] = [];
      const ack = (r: { status: number; text: string }): void => void (r.status === 201 && acked.push(checkLogEntry({ identity }, JSON.parse(r.text)).id));
      for (let i = 0; i < 10; i++) ack(await post(i));
      assert.equal(acked.length, 10);
      const before = await (await fetch(`${s.url}/checkpoint`)).text();

      // Writers keep posting while the server goes down under them.
      let next = 10;
      let writing = true;
      const answers: Array<{ status: number; ms: number; text: string; retryAfter: string | undefined }> = [];
      const writers = Array.from({ length: 4 }, async () => {
        while (writing) {
          const r = await post(next++);
          answers.push(r);
          ack(r);
        }
      });
      while (acked.length < 20) await new Promise((r) => setTimeout(r, 5));
      await server().crash();
      const downAt = answers.length;
      while (answers.filter((a, i) => i >= downAt && a.status === 503).length < 8) await new Promise((r) => setTimeout(r, 20));
      const down = answers.slice(downAt + 4); // the few in flight when it went down may have waited for their batch
      for (const a of down) {
        assert.equal(a.status, 503, a.text);
        assert.equal(JSON.parse(a.text).error, 'STORE_FAILED');
        assert.equal(a.retryAfter, '1');
        assert.ok(a.ms < 2_000, `answered at once, not held (${Math.round(a.ms)} ms)`);
      }
      // Not ready while the database cannot be reached, saying why; alive all along.
      const readiness = async (): Promise<{ status: number; body: { ready: boolean; reason?: string; detail?: string } }> => {
        const r = await httpRequest(s.url, 'GET', '/readyz');
        return { status: r.status, body: JSON.parse(r.body.toString()) };
      };
      for (let t0 = performance.now(); ; await new Promise((r) => setTimeout(r, 20))) {
        const r = await readiness();
        if (r.status === 503 && r.body.detail !== undefined) {
          assert.equal(r.body.ready, false);
          assert.equal(r.body.reason, 'database unreachable');
          assert.match(r.body.detail, /store cannot be reached|couldn't/);
          assert.ok(!r.body.detail.includes(PASSWORD), 'no password in the detail');
          break;
        }
        assert.ok(performance.now() - t0 < 10_000, `/readyz said database unreachable within 10 s: ${JSON.stringify(r)}`);
      }
      assert.equal((await httpRequest(s.url, 'GET', '/healthz')).status, 200);
      // Reads the server answers from memory go on.
      assert.equal((await fetch(`${s.url}/api/v1/log`)).status, 200);
      const during = await (await fetch(`${s.url}/checkpoint`)).text();
      assert.ok(parseCheckpoint(openNote(during, [...identity.checkpointVerifiers]).text).size >= 20);

      await server().restart();
      const resumedAt = acked.length;
      const t0 = performance.now();
      while (acked.length < resumedAt + 10) {
        assert.ok(performance.now() - t0 < 30_000, 'writes resumed within 30 s of the database coming back');
        await new Promise((r) => setTimeout(r, 20));
      }
      writing = false;
      await Promise.all(writers);
      for (let t0 = performance.now(); (await readiness()).status !== 200; await new Promise((r) => setTimeout(r, 20))) {
        assert.ok(performance.now() - t0 < 10_000, `ready again within 10 s of the database coming back: ${JSON.stringify(await readiness())}`);
      }

      // Nothing half-written: every acknowledged entry is there, the tree is dense and consistent with the one before.
      const latest = parseCheckpoint(openNote(await (await fetch(`${s.url}/checkpoint`)).text(), [...identity.checkpointVerifiers]).text);
      for (const id of acked) checkLogEntry({ identity }, await getJson(s.url, `/api/v1/log/entries/${id}`));
      const old = parseCheckpoint(openNote(before, [...identity.checkpointVerifiers]).text);
      const proof = await getJson<{ hashes: string[] }>(s.url, `/api/v1/log/proof?firstSize=${old.size}&lastSize=${latest.size}`);
      verifyConsistency(old.size, latest.size, old.root, latest.root, proof.hashes.map((h) => Buffer.from(h, 'hex')));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const counts = (await client.query<{ entries: number; size: number }>('SELECT (SELECT count(*) FROM entries)::int AS entries, (SELECT max(size) FROM checkpoints)::int AS size')).rows[0];
        assert.deepEqual(counts, { entries: latest.size, size: latest.size }, 'as many entries as the latest checkpoint commits to');
      } finally {
        await client.end();
      }
      assert.ok(latest.size >= acked.length, `${latest.size} entries hold the ${acked.length} acknowledged`);
    } finally {
      await s.stop();
    }
  });
});
