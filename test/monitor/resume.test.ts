/**
 * The real `cairn monitor` process killed (SIGKILL) in the middle of a
 * catch-up resumes from the state it saved as it went: it does not fetch the
 * tiles it verified before the kill again, and ends at the log's checkpoint.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/http/index.js';
import { eachLine } from '../support/lines.js';
import { MAIN_JS } from '../support/server-process.js';
import { openTestLog, rawEntry } from '../support/test-log.js';

const TILE_RE = /^\/tile\/0\/(?:x\d{3}\/)*(\d{3})(?:\.p\/\d+)?$/;

describe('cairn monitor, killed mid-catch-up', function () {
  this.timeout(60_000);
  let dir: string;
  let server: Server | undefined;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-monitor-resume-'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from its saved point after SIGKILL and never fetches the verified tiles again', async () => {
    const t = await openTestLog(undefined, { batchMaxSize: 1000 });
    for (let k = 0; k < 6; k++) await Promise.all(Array.from({ length: 1000 }, (_, i) => t.log.submit(rawEntry(`entry ${k}-${i}`))));
    const size = t.log.status().size;
    assert.equal(size, 6000);

    // Level-0 tiles from index 8 on are held (never answered) while the gate is closed.
    const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
    let gateOpen = false;
    const held: ServerResponse[] = [];
    const requested: number[] = [];
    server = createServer((req, res) => {
      const m = TILE_RE.exec(req.url ?? '');
      const index = m === null ? undefined : Number(m[1]);
      if (index !== undefined) requested.push(index);
      if (index !== undefined && index >= 8 && index < Math.floor(size / 256) && !gateOpen) {
        held.push(res);
        return;
      }
      app(req, res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const state = join(dir, 'state.json');
    const args = ['monitor', '--log-url', url, '--vkey', t.identity.vkey, '--state-file', state, '--once', '--progress-interval-ms', '0'];

    child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = child;
    await new Promise<void>((resolve, reject) => {
      first.on('exit', (code) => reject(new Error(`the monitor exited (${code}) before its first progress line`)));
      eachLine(first.stderr, (line) => {
        if (/^catch-up to size 6000: 2048 of 6000 entries verified/.test(line)) resolve();
      });
    });
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    child = undefined;
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    assert.equal(saved.size, 0, 'nothing verified yet');
    assert.equal(saved.catchUp.next, 2048, 'the point after the first window of 8 tiles');
    assert.equal(saved.catchUp.note, t.store.checkpointAt(size)!.note);

    gateOpen = true;
    for (const res of held.splice(0)) res.destroy();
    requested.length = 0;
    const second = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = second;
    let stdout = '';
    let stderr = '';
    second.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    second.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise((r) => second.once('close', r));
    child = undefined;
    assert.equal(code, 0, stderr);
    const verified = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.deepEqual([verified.event, verified.treeSize, verified.from, verified.resumedAt], ['verified', 6000, 0, 2048]);
    assert.ok(requested.length > 0 && requested.every((i) => i >= 8), `level-0 tiles fetched on resume: ${requested.join(',')}`);
    assert.match(stderr, /^caught up: /m);
    const done = JSON.parse(readFileSync(state, 'utf8'));
    assert.equal(done.size, 6000);
    assert.equal(done.catchUp, undefined);
  });
});
