/**
 * `cairn serve` start-up: the port opens before the log is opened and
 * checked, the check logs its phases, and until the log is open the server
 * answers probes: /healthz alive, /readyz 503 "checking", other routes 503
 * with Retry-After.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startingListener } from '../../src/cli/starting.js';
import { startServer } from '../support/server-process.js';

describe('cairn serve start-up', function () {
  this.timeout(120_000);

  it('listens first, then logs each phase of the start-up check, then serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-startup-'));
    try {
      const server = await startServer(['--data-dir', dir, '--startup-check', 'full']);
      try {
        const records = server.logs.flatMap((line) => {
          try {
            return [JSON.parse(line) as { msg: string; url?: string; quickCheck?: boolean }];
          } catch {
            return [];
          }
        });
        const order = records.map((r) => r.msg);
        const at = (msg: string): number => {
          const i = order.indexOf(msg);
          assert.ok(i >= 0, `no "${msg}" line in ${JSON.stringify(order)}`);
          return i;
        };
        const phases = [
          'listening; opening and checking the log',
          'start-up check: opening the database',
          'start-up check: database open',
          'start-up check: self-check done',
          'start-up check: rehashing every entry, tile and checkpoint root',
          'start-up check: rehash done',
          'serving',
        ].map(at);
        assert.deepEqual(phases, [...phases].sort((a, b) => a - b), `phases out of order: ${JSON.stringify(order)}`);
        assert.equal(records[phases[0]!]!.url, server.url, 'the port announced before the check is the one served');
        assert.equal(records[phases[2]!]!.quickCheck, true);
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 200);
        assert.equal(((await ready.json()) as { ready: boolean }).ready, true);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers probes while starting: alive, not ready ("checking"), other routes 503 with Retry-After', async () => {
    const app = startingListener();
    const health = await request(app).get('/healthz').expect(200);
    assert.deepEqual(health.body, { status: 'starting' });
    const ready = await request(app).get('/readyz/').expect(503);
    assert.deepEqual(ready.body, { ready: false, reason: 'checking' });
    const write = await request(app).post('/api/v1/log/entries').send({ kind: 'hashedrekord' }).expect(503);
    assert.equal(write.headers['retry-after'], '1');
    assert.equal(write.body.code, 'STARTING');
  });
});
