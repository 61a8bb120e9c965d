/**
 * SIGTERM under load, on the real `cairn serve` process (src/cli/serve.ts,
 * closeHttpServer in src/cli/http-server.ts): 32 busy kept-alive clients
 * submit entries; after SIGTERM the server stops accepting connections,
 * answers what is in flight with `Connection: close`, and exits well within
 * its grace period. No client hangs (every request ends in an answer or a
 * refused/closed connection), and after a restart every entry that was
 * answered 201 is in the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, keepAliveAgent } from '../support/http-client.js';
import { startServer } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

const CLIENTS = 32;
const GRACE_MS = 10_000;

interface Answer {
  readonly at: number;
  readonly status: number;
  readonly connection: string | undefined;
  readonly id: string | undefined;
}

describe('cairn serve on SIGTERM', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-shutdown-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops 32 busy kept-alive clients with Connection: close, exits well within the grace period, and loses no acknowledged entry', async () => {
    const data = join(dir, 'data');
    const s = await startServer(['--data-dir', data, '--shutdown-grace-ms', String(GRACE_MS)]);
    const factory = new SignedEntryFactory('shutdown');
    const agent = keepAliveAgent(CLIENTS);
    let signalAt = Infinity;
    const answers: Answer[] = [];
    const failures: Array<{ at: number; message: string }> = [];

    // Each client submits in a closed loop until its request fails (refused or closed connection).
    const client = async (): Promise<void> => {
      for (;;) {
        try {
          const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { agent, body: factory.next().json, timeoutMs: 8_000 });
          answers.push({ at: performance.now(), status: r.status, connection: r.headers['connection'], id: r.status === 201 ? String(r.headers['etag']) : undefined });
        } catch (err) {
          failures.push({ at: performance.now(), message: (err as Error).message });
          if (performance.now() > signalAt) return;
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, () => client());
    // Load until at least 200 entries were acknowledged, then SIGTERM.
    while (answers.filter((a) => a.status === 201).length < 200) await new Promise((r) => setTimeout(r, 20));
    // An idle kept-alive connection: one answered request, then nothing.
    const idle = await idleConnection(s.url);
    signalAt = performance.now();
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    const exitMs = performance.now() - signalAt;
    const idleClosedMs = (await idle.closed) - signalAt;
    await Promise.all(clients);
    agent.destroy();

    assert.deepEqual(exit, { code: 0, signal: null }, s.logs.join('\n'));
    assert.ok(exitMs < GRACE_MS / 2, `exited ${Math.round(exitMs)} ms after SIGTERM (grace ${GRACE_MS} ms)`);
    assert.ok(idleClosedMs >= 0 && idleClosedMs < 1_000, `the idle connection was closed ${Math.round(idleClosedMs)} ms after SIGTERM`);
    assert.ok(!failures.some((f) => /timed out/.test(f.message)), `a request hung: ${JSON.stringify(failures.filter((f) => /timed out/.test(f.message)))}`);
    const before = answers.filter((a) => a.at < signalAt);
    const afterSignal = answers.filter((a) => a.at >= signalAt);
    // Before SIGTERM connections were kept alive; after it, each connection ends with its current response:
    // at most the response in flight when the signal arrived (it may have been written just before) and one with Connection: close.
    assert.ok(before.every((a) => a.connection === 'keep-alive'));
    assert.ok(afterSignal.length <= 2 * CLIENTS, `${afterSignal.length} answers after SIGTERM from ${CLIENTS} clients`);
    assert.ok(afterSignal.some((a) => a.connection === 'close'), 'answers after SIGTERM close their connection');
    for (const a of answers) assert.ok(a.status === 201, `only 201s, got ${a.status}`);

    // Restart: every acknowledged entry is in the log.
    const again = await startServer(['--data-dir', data]);
    try {
      const ids = answers.map((a) => a.id!);
      const reader = keepAliveAgent(8);
      for (let i = 0; i < ids.length; i += 8) {
        const batch = await Promise.all(ids.slice(i, i + 8).map((id) => httpRequest(again.url, 'GET', `/api/v1/log/entries/${id}`, { agent: reader })));
        for (const r of batch) assert.equal(r.status, 200, r.body.toString());
      }
      reader.destroy();
      console.log(`      shutdown: ${before.length} acknowledged before SIGTERM, ${afterSignal.length} after, exit in ${Math.round(exitMs)} ms; all ${ids.length} found after restart`);
    } finally {
      await again.stop();
    }
  });

  it('cuts a connection that never finishes its request at the end of the grace period, and exits', async () => {
    const s = await startServer(['--data-dir', join(dir, 'stuck'), '--shutdown-grace-ms', '1500', '--headers-timeout-ms', '60000', '--request-timeout-ms', '60000']);
    const { hostname, port } = new URL(s.url);
    const stuck = connect(Number(port), hostname);
    stuck.on('error', () => undefined);
    await new Promise((r) => stuck.once('connect', r));
    stuck.write('POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const closed = new Promise<number>((r) => stuck.once('close', () => r(performance.now())));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    const exitMs = performance.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, s.logs.join('\n'));
    assert.ok(exitMs < 1_500 + 1_000, `exited ${Math.round(exitMs)} ms after SIGTERM (grace 1,500 ms)`);
    assert.ok((await closed) - t0 >= 1_000, 'the stuck request had until near the deadline');
  });
});

/** A kept-alive connection that made one request; `closed` resolves (performance.now()) when the server closes it. */
async function idleConnection(url: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  const answered = new Promise<void>((r) => socket.once('data', () => r()));
  const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now())));
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await answered;
  return { socket, closed };
}
