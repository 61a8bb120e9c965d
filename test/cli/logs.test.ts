/**
 * The real server's logs: an access log line per request (request ID,
 * method, route template, status, duration) and, at --log-level debug,
 * the batches it commits and the checkpoints it publishes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecKey, hashedRekord } from '../support/http.js';
import { logRecord } from '../support/lines.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

/** The log records of `s` so far that satisfy `pred`, waiting (on its output, no sleeps) until one arrives. */
function records(s: ServerProcess, pred: (r: Record<string, unknown>) => boolean): Promise<Array<Record<string, unknown>>> {
  const now = (): Array<Record<string, unknown>> => s.logs.map(logRecord).filter((r): r is Record<string, unknown> => r !== undefined && pred(r));
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const found = now();
      if (found.length === 0) return;
      s.child.stderr?.off('data', onData);
      s.child.off('exit', onExit);
      resolve(found);
    };
    const onData = (): void => {
      setImmediate(check);
    };
    const onExit = (): void => reject(new Error(`the server exited: ${s.logs.join('\n')}`));
    s.child.stderr?.on('data', onData);
    s.child.once('exit', onExit);
    check();
  });
}

describe('cairn serve logs (the real process)', function () {
  this.timeout(30_000);
  let dir: string;
  let s: ServerProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-logs-'));
  });
  afterEach(async () => {
    await s?.stop();
    s = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes an access log line per request with the route template and the request ID it answered with', async () => {
    s = await startServer(['--data-dir', join(dir, 'data'), '--public-url', 'http://log.example.test']);
    const res = await fetch(`${s.url}/api/v1/log/entries/0123abcd?x=1`, { headers: { 'X-Request-Id': 'probe-42' } });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-request-id'), 'probe-42');
    const [line] = await records(s, (r) => r['msg'] === 'request' && r['requestId'] === 'probe-42');
    assert.equal(line!['level'], 30);
    assert.equal(typeof line!['time'], 'number');
    assert.equal(line!['method'], 'GET');
    assert.equal(line!['route'], '/api/v1/log/entries/{entryUUID}');
    assert.equal(line!['status'], 400);
    assert.equal(typeof line!['durationMs'], 'number');
    assert.ok(!JSON.stringify(line).includes('0123abcd'), 'the raw path is not logged');
  });

  it('at --log-level debug, says which batch it committed and which checkpoint it published', async () => {
    s = await startServer(['--data-dir', join(dir, 'data'), '--public-url', 'http://log.example.test', '--log-level', 'debug']);
    const res = await fetch(`${s.url}/api/v1/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hashedRekord(ecKey(), 'logged')) });
    assert.equal(res.status, 201);
    const [published] = await records(s, (r) => r['msg'] === 'batch committed; checkpoint published');
    assert.equal(published!['level'], 20);
    assert.deepEqual([published!['treeSize'], published!['entries'], published!['firstIndex']], [1, 1, 0]);
    assert.match(String(published!['root']), /^[0-9a-f]{64}$/);
  });

  it('at the default level, writes no debug lines', async () => {
    s = await startServer(['--data-dir', join(dir, 'data'), '--public-url', 'http://log.example.test']);
    const res = await fetch(`${s.url}/api/v1/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hashedRekord(ecKey(), 'quiet')) });
    assert.equal(res.status, 201);
    await records(s, (r) => r['msg'] === 'request' && r['status'] === 201);
    assert.ok(s.logs.map(logRecord).every((r) => r === undefined || (r['level'] as number) >= 30));
  });

  it('on SIGTERM, writes the access log line of every request answered before it exits, then "stopped" last', async () => {
    s = await startServer(['--data-dir', join(dir, 'data'), '--public-url', 'http://log.example.test']);
    const ids = Array.from({ length: 300 }, (_, i) => `term-${i}`);
    const answered = await Promise.all(ids.map((id) => fetch(`${s!.url}/api/v1/log`, { headers: { 'X-Request-Id': id } }).then((r) => r.status)));
    assert.ok(answered.every((st) => st === 200));
    const closed = new Promise((r) => s!.child.stderr?.once('close', r));
    const exit = await s.stop('SIGTERM');
    await closed;
    assert.equal(exit.code, 0);
    const recs = s.logs.map(logRecord).filter((r): r is Record<string, unknown> => r !== undefined);
    const logged = new Set(recs.filter((r) => r['msg'] === 'request').map((r) => r['requestId']));
    assert.deepEqual(ids.filter((id) => !logged.has(id)), [], 'every answered request is in the access log');
    assert.equal(recs.at(-1)?.['msg'], 'stopped');
  });
});
