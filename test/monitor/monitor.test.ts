/**
 * `cairn monitor` against logs served over HTTP on 127.0.0.1: following
 * growth with its state file, watched entries, witness policy, and a forked
 * log — detected by the real process (exit 1 with the evidence) and refused
 * by a witness (409 / 422, c2sp.org/tlog-witness).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { RekorClient, type TiledLog } from '../../src/client/index.js';
import { runMonitor } from '../../src/cli/monitor.js';
import { loadMonitorConfig } from '../../src/config/index.js';
import { isLogError } from '../../src/errors.js';
import { prepareEntry } from '../../src/entry/index.js';
import { createApp, createWitnessApp } from '../../src/http/index.js';
import { cosign, ed25519Cosigner, ed25519PublicKeyBytes, formatAddCheckpoint, formatVkey, parseNote } from '../../src/note/index.js';
import { ecKey, hashedRekord, sha256 } from '../support/http.js';
import { MAIN_JS } from '../support/server-process.js';
import { openTestLog, rawEntry, testKey, type TestLog } from '../support/test-log.js';
import { startTestWitness, witnessedLogOf } from '../support/witness.js';

interface Served {
  url: string;
  server: Server;
}

async function serveLog(t: TestLog): Promise<Served> {
  const server = createServer(createApp({ log: t.log, maxRequestBytes: 1 << 20 }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(s: Served): Promise<void> {
  await new Promise<void>((r) => {
    s.server.close(() => r());
    s.server.closeAllConnections();
  });
}

async function grow(t: TestLog, texts: readonly string[]): Promise<void> {
  for (const text of texts) await t.log.submit(rawEntry(text));
}

/** Runs the monitor in-process; returns the exit status, events and problems. */
async function monitor(argv: string[], client?: TiledLog): Promise<{ code: number; events: Record<string, any>[]; problems: string }> {
  const events: Record<string, any>[] = [];
  let problems = '';
  const code = await runMonitor(loadMonitorConfig({ argv, env: {} }), {
    event: (e) => events.push(e),
    problem: (p) => (problems += p),
    ...(client === undefined ? {} : { client }),
  });
  return { code, events, problems };
}

/** Runs the real `cairn monitor` process (asynchronously: the logs it reads are served by this process). */
function monitorProcess(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cairn monitor', function () {
  this.timeout(30_000);
  let dir: string;
  const served: Served[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-monitor-'));
  });
  afterEach(async () => {
    await Promise.all(served.splice(0).map(close));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('configuration', () => {
    it('refuses a witness\'s cosignature key (type 0x04) as the log\'s --vkey, and a malformed --witness: CONFIG_INVALID', async () => {
      const cosignKey = formatVkey('witness.example', 0x04, ed25519PublicKeyBytes(testKey(60)));
      const base = ['--log-url', 'http://127.0.0.1:1', '--state-file', join(dir, 's.json'), '--once'];
      await assert.rejects(monitor([...base, '--vkey', cosignKey]), (err: unknown) => isLogError(err, 'CONFIG_INVALID') && /type 0x04/.test(err.message));
      const noteKey = formatVkey('log.example', 0x01, ed25519PublicKeyBytes(testKey(61)));
      await assert.rejects(monitor([...base, '--vkey', noteKey, '--witness', `${cosignKey.slice(0, -4)}AAAA`]), (err: unknown) => isLogError(err, 'CONFIG_INVALID') && /--witness/.test(err.message));
    });
  });

  describe('when the log rotates', () => {
    it('flags the new tree unless told; told, verifies the frozen tree to its final checkpoint under /shard/ and follows the new one', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 1000 });
      const s = await serveLog(t);
      served.push(s);
      const state = join(dir, 'state.json');
      const args = ['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', state, '--once'];
      await grow(t, ['one', 'two', 'three']);
      assert.equal((await monitor(args)).code, 0);
      await grow(t, ['four']); // published after the monitor's last look: the frozen tree's final checkpoint is beyond it
      const r = await t.log.rotate();
      await grow(t, ['five', 'six']);

      const untold = await monitor(args);
      assert.equal(untold.code, 1, 'a rotation it was not told about is flagged');
      assert.match(untold.problems, /origin/);

      const wrong = join(dir, 'wrong.json');
      writeFileSync(wrong, JSON.stringify({ ...r, frozen: { ...r.frozen, rootHash: '00'.repeat(32) } }));
      const refused = await monitor([...args, '--rotation', wrong]);
      assert.equal(refused.code, 1, 'a rotation whose final checkpoint is not the log\'s is refused');

      const told = join(dir, 'rotation.json');
      writeFileSync(told, JSON.stringify(r));
      const followed = await monitor([...args, '--rotation', told]);
      assert.equal(followed.code, 0, followed.problems);
      assert.deepEqual(followed.events.map((e) => [e['event'], e['frozenTreeSize'] ?? e['treeSize']]), [['rotated', 4], ['verified', 2]]);
      assert.equal(JSON.parse(readFileSync(state, 'utf8')).origin, t.log.identity.origin, 'it now follows the new tree');
      const again = await monitor([...args, '--rotation', told]);
      assert.deepEqual(again.events.map((e) => e['event']), ['unchanged'], 'the rotation file is a no-op once followed');
    });
  });

  describe('when the log grows honestly', () => {
    it('verifies each new checkpoint from its tiles and keeps the last one in its state file', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 1000 });
      const s = await serveLog(t);
      served.push(s);
      const state = join(dir, 'state.json');
      const args = ['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', state, '--once'];
      const empty = await monitor(args);
      assert.deepEqual(empty.events.map((e) => [e['event'], e['treeSize']]), [['verified', 0]], 'a first run on an empty log pins it');
      assert.equal(JSON.parse(readFileSync(state, 'utf8')).origin, t.identity.origin);
      await grow(t, ['one', 'two', 'three']);
      const first = await monitor(args);
      assert.equal(first.code, 0, first.problems);
      assert.deepEqual(first.events.map((e) => [e['event'], e['treeSize'], e['from']]), [['verified', 3, 0]]);
      const saved = JSON.parse(readFileSync(state, 'utf8'));
      assert.equal(saved.size, 3);
      assert.equal(saved.note, t.store.checkpointAt(3)!.note);
      assert.equal(saved.origin, t.identity.origin);

      await Promise.all(Array.from({ length: 600 }, (_, i) => t.log.submit(rawEntry(`more ${i}`))));
      const second = await monitor(args);
      assert.equal(second.code, 0, second.problems);
      assert.deepEqual(second.events.map((e) => [e['event'], e['treeSize'], e['from']]), [['verified', 603, 3]]);
      const third = await monitor(args);
      assert.deepEqual(third.events.map((e) => e['event']), ['unchanged']);
    });

    it('follows a log with an ECDSA log key through its note key\'s vkey', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 1000 }, undefined, 'ecdsa-p256');
      const s = await serveLog(t);
      served.push(s);
      const args = ['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', join(dir, 'ecdsa.json'), '--once'];
      assert.equal((await monitor(args)).code, 0);
      await grow(t, ['one', 'two', 'three', 'four']);
      const next = await monitor(args);
      assert.equal(next.code, 0, next.problems);
      assert.deepEqual(next.events.map((e) => [e['event'], e['treeSize'], e['from']]), [['verified', 4, 0]]);
    });

    it('reports new entries signed by a watched key or for a watched digest', async () => {
      const t = await openTestLog();
      const s = await serveLog(t);
      served.push(s);
      const mine = ecKey();
      const other = ecKey();
      const submit = async (key: typeof mine, data: string): Promise<number> => {
        const p = prepareEntry(hashedRekord(key, data));
        return (await t.log.submit({ kind: p.kind, body: p.body, leafHash: p.leafHash, searchKeys: p.searchKeys })).index;
      };
      await submit(other, 'a');
      const mineAt = await submit(mine, 'b');
      await grow(t, ['a raw entry is never a match']);
      const digestAt = await submit(other, 'c');
      const pem = join(dir, 'mine.pem');
      writeFileSync(pem, mine.pem);
      const digest = `sha256:${sha256('c').toString('hex')}`;
      const out = await monitor(['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', join(dir, 's.json'), '--watch-key', pem, '--watch-digest', digest]);
      assert.equal(out.code, 0, out.problems);
      const matches = out.events.filter((e) => e['event'] === 'match');
      assert.deepEqual(matches.map((m) => [m['index'], m['kind'], m['matched']]), [
        [mineAt, 'hashedrekord/0.0.1', [`key ${pem}`]],
        [digestAt, 'hashedrekord/0.0.1', [`digest ${digest}`]],
      ]);
    });
  });

  describe('with --follow', () => {
    it('polls, verifies each growth, and exits 0 when stopped', async () => {
      const t = await openTestLog();
      const s = await serveLog(t);
      served.push(s);
      await grow(t, ['f0']);
      const stop = new AbortController();
      const events: Record<string, any>[] = [];
      const config = loadMonitorConfig({ argv: ['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', join(dir, 's.json'), '--follow', '--interval-ms', '10'], env: {} });
      const code = await runMonitor(config, {
        event: (e) => {
          events.push(e);
          const verified = events.filter((x) => x['event'] === 'verified').length;
          // Both in one batch: the next checkpoint is 3.
          if (e['event'] === 'verified' && verified === 1) void Promise.all([t.log.submit(rawEntry('f1')), t.log.submit(rawEntry('f2'))]);
          if (verified === 2) stop.abort();
        },
        problem: (p) => assert.fail(p),
        signal: stop.signal,
      });
      assert.equal(code, 0);
      assert.deepEqual(events.filter((e) => e['event'] === 'verified').map((e) => [e['from'], e['treeSize']]), [[0, 1], [1, 3]]);
    });
  });

  describe('when witnesses are required', () => {
    it('does not accept a checkpoint until K listed witnesses cosigned it (exit 3 with --once)', async () => {
      const t = await openTestLog();
      const s = await serveLog(t);
      served.push(s);
      await grow(t, ['w1', 'w2']);
      const w = await startTestWitness({ name: 'monitor-witness.test', seed: 50, logs: [witnessedLogOf(t)] });
      await w.close();
      const args = ['--log-url', s.url, '--vkey', t.identity.vkey, '--state-file', join(dir, 's.json'), '--witness', w.vkey, '--once'];
      const before = await monitor(args);
      assert.equal(before.code, 3);
      assert.deepEqual(before.events.map((e) => [e['event'], e['need']]), [['awaiting-cosignatures', 1]]);
      const text = parseNote(t.store.checkpointAt(2)!.note).text;
      (await t.log.attachCosignature(2, w.verifier, cosign(ed25519Cosigner(w.name, testKey(50)), text, 1_700_000_000)));
      const after = await monitor(args);
      assert.equal(after.code, 0, after.problems);
      assert.deepEqual(after.events[0]!['witnesses'], [w.name]);
    });
  });

  describe('when the log serves something it did not sign or tiles that contradict its checkpoint', () => {
    it('exits 1 with the evidence', async () => {
      const t = await openTestLog();
      const s = await serveLog(t);
      served.push(s);
      await grow(t, ['x', 'y', 'z', 'w']);
      const state = join(dir, 's.json');
      const base = ['--log-url', s.url, '--state-file', state, '--once'];
      const foreignVkey = formatVkey(t.identity.host, 0x01, ed25519PublicKeyBytes(testKey(77)));
      const foreign = await monitor([...base, '--vkey', foreignVkey]);
      assert.equal(foreign.code, 1);
      assert.match(foreign.problems, /^INVALID CHECKPOINT: the checkpoint is not validly signed by the log's key/);
      const honest = new RekorClient(s.url, { timeoutMs: 5_000 });
      const lying: TiledLog = {
        checkpoint: () => honest.checkpoint(),
        entryBundle: (i, w) => honest.entryBundle(i, w),
        tile: async (l, i, w) => {
          const b = Buffer.from(await honest.tile(l, i, w));
          if (l === 0) b[0] = (b[0] ?? 0) ^ 1;
          return b;
        },
      };
      const out = await monitor([...base, '--vkey', t.identity.vkey], lying);
      assert.equal(out.code, 1);
      assert.match(out.problems, /^INCONSISTENT: /);
      assert.ok(out.problems.includes(t.store.checkpointAt(4)!.note.split('\n')[0]!));
    });
  });

  describe('when the log forks (same key, two histories after a shared prefix)', () => {
    it('is detected by the real `cairn monitor` process, which exits 1 showing both checkpoints and the recomputed roots', async () => {
      const a = await openTestLog();
      const b = await openTestLog();
      for (let i = 0; i < 5; i++) for (const t of [a, b]) await t.log.submit(rawEntry(`shared ${i}`));
      await grow(a, ['a5', 'a6']);
      await grow(b, ['b5', 'b6', 'b7', 'b8', 'b9']);
      const [sa, sb] = [await serveLog(a), await serveLog(b)];
      served.push(sa, sb);
      const state = join(dir, 'state.json');
      const common = ['--vkey', a.identity.vkey, '--state-file', state, '--once'];

      const ok = await monitorProcess(['--log-url', sa.url, ...common]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /"event":"verified","treeSize":7/);

      const forked = await monitorProcess(['--log-url', sb.url, ...common]);
      assert.equal(forked.code, 1, forked.stderr);
      assert.match(forked.stderr, /^INCONSISTENT: the log's tree of size 10 does not extend the tree of size 7 verified before: a fork/);
      assert.ok(forked.stderr.includes(a.store.checkpointAt(7)!.note.replace(/^(?=.)/gm, '    ')), 'shows the checkpoint verified before');
      assert.ok(forked.stderr.includes(b.store.checkpointAt(10)!.note.replace(/^(?=.)/gm, '    ')), 'shows the new checkpoint');
      assert.match(forked.stderr, /root of the first 7 leaves, from the tiles of size 10: [0-9a-f]{64}/);
      assert.match(forked.stderr, /tiles match the new checkpoint: true/);
      assert.equal(JSON.parse(readFileSync(state, 'utf8')).size, 7, 'the state still holds the last verified checkpoint');
    });

    it('is refused by a witness that cosigned the other history: 409 for a stale old size, 422 for the proof or the root', async () => {
      const a = await openTestLog();
      const b = await openTestLog();
      for (let i = 0; i < 5; i++) for (const t of [a, b]) await t.log.submit(rawEntry(`shared ${i}`));
      await grow(a, ['a5', 'a6']);
      await grow(b, ['b5', 'b6', 'b7', 'b8', 'b9']);
      const w = await startTestWitness({ name: 'fork-witness.test', seed: 51, logs: [witnessedLogOf(a)] });
      const app = createWitnessApp({ witness: w.witness });
      const add = async (t: TestLog, old: number, size: number, status: number) =>
        request(app).post('/add-checkpoint').send(formatAddCheckpoint({ oldSize: old, proof: await t.log.reader.consistencyProof(old, size), checkpoint: t.store.checkpointAt(size)!.note })).expect(status);
      try {
        await add(a, 0, 7, 200);
        const stale = await add(b, 0, 10, 409);
        assert.equal(stale.text, '7\n');
        await add(b, 7, 10, 422);
        await add(b, 7, 7, 422);
        await add(b, 5, 10, 409);
        assert.equal(w.witness.latest(a.identity.origin)?.size, 7);
        await add(a, 7, 7, 200);
      } finally {
        await w.close();
      }
    });
  });
});
