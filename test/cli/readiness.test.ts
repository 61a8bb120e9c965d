/**
 * Readiness during a slow start-up check, on the real process: the port
 * opens at once; while quick_check and the rehash of a log of some tens of
 * thousands of entries run, /healthz answers 200 and /readyz 503
 * "checking", and probes are answered during the rehash itself (it runs off
 * the event loop); once the log is served /readyz answers 200.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { growTo } from '../../scripts/bench/grow.js';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import { eachLine, logRecord } from '../support/lines.js';
import { MAIN_JS } from '../support/server-process.js';

/** Entries in the log: its rehash takes a few hundred milliseconds or more, far longer than a probe. */
const SIZE = 60_000;

type Event = { kind: 'log'; msg: string } | { kind: 'probe'; path: string; status: number; body: Record<string, unknown> };

describe('readiness during the start-up check (the real process)', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-readiness-'));
    const opened = await openLogFromConfig(loadConfig({ overrides: { dataDir: join(dir, 'data'), publicUrl: 'http://127.0.0.1' } }), undefined, { signEntryTimestamps: false });
    await growTo(opened.log, SIZE, 16_384);
    await opened.log.close();
    opened.store.close();
    await opened.keys.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers /healthz 200 and /readyz 503 "checking" all through the check, during the rehash too, then /readyz 200', async () => {
    const child = spawn(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'data'), '--public-url', 'http://127.0.0.1', '--startup-check', 'full'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const events: Event[] = [];
    let url: ((u: string) => void) | undefined;
    const listening = new Promise<string>((r) => (url = r));
    let serving = false;
    const lines = eachLine(child.stderr, (line) => {
      const rec = logRecord(line);
      if (rec === undefined) return;
      events.push({ kind: 'log', msg: String(rec['msg']) });
      if (rec['msg'] === 'listening; opening and checking the log') url?.(String(rec['url']));
      if (rec['msg'] === 'serving') serving = true;
    });
    try {
      const base = await Promise.race([listening, exited.then(() => Promise.reject(new Error('cairn exited before listening')))]);
      const probe = async (path: string): Promise<void> => {
        const res = await fetch(`${base}${path}`);
        events.push({ kind: 'probe', path, status: res.status, body: (await res.json()) as Record<string, unknown> });
      };
      while (!serving) {
        await probe('/readyz');
        await probe('/healthz');
      }
      await probe('/readyz');

      const at = (msg: string): number => events.findIndex((e) => e.kind === 'log' && e.msg === msg);
      const [rehashing, rehashed, served] = [at('start-up check: rehashing every entry, tile and checkpoint root'), at('start-up check: rehash done'), at('serving')];
      assert.ok(rehashing >= 0 && rehashed > rehashing && served > rehashed, `log lines: ${JSON.stringify(events.filter((e) => e.kind === 'log'))}`);
      const before = events.slice(0, served).filter((e): e is Extract<Event, { kind: 'probe' }> => e.kind === 'probe');
      for (const p of before) {
        if (p.path === '/readyz') assert.deepEqual([p.status, p.body['ready'], p.body['reason']], [503, false, 'checking']);
        else assert.deepEqual([p.status, p.body['status']], [200, 'starting']);
      }
      const during = events.slice(rehashing, rehashed).filter((e) => e.kind === 'probe');
      // Probes go one at a time: with a check blocking the event loop, at most one answer (sent just before the
      // rehash began) could arrive after its first log line.
      assert.ok(during.length >= 2, `probes are answered while the rehash runs (${during.length})`);
      const last = events.at(-1)!;
      assert.deepEqual(last.kind === 'probe' ? [last.status, last.body['ready'], last.body['treeSize']] : last, [200, true, SIZE]);
    } finally {
      lines.stop();
      child.kill('SIGTERM');
      await exited;
    }
  });
});
