/**
 * The integrity audit in the real server: a few bytes of an entry body
 * changed in the SQLite file while the log was stopped, out of reach of the
 * start-up self-check (`--startup-check fast`, as a mid-size log starts
 * with the audit on), are found while the log serves: it turns read-only,
 * logs the entry's index with the leaf hash expected and the one found, and
 * /readyz and /metrics say so.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leafHash } from '../../src/merkle/index.js';
import { httpRequest } from '../support/http-client.js';
import { logRecord } from '../support/lines.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

/** Resolves with the first log record `match` accepts, already logged or still to come. */
function logged(s: ServerProcess, match: (rec: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const seen = (): boolean => {
      for (const line of s.logs) {
        const rec = logRecord(line);
        if (rec !== undefined && match(rec)) {
          resolve(rec);
          return true;
        }
      }
      return false;
    };
    if (seen()) return;
    const onData = (): void => {
      if (seen()) s.child.stderr?.off('data', onData);
    };
    s.child.stderr?.on('data', onData);
    void s.exited.then(() => reject(new Error(`the server exited: ${s.logs.join('\n')}`)));
  });
}

describe('cairn serve with the integrity audit', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-integrity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an entry body changed in the file while stopped: read-only, with the index and both hashes', async () => {
    const data = join(dir, 'data');
    const first = await startServer(['--data-dir', data]);
    const factory = new SignedEntryFactory('integrity audit');
    const bodies: Buffer[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => httpRequest(first.url, 'POST', '/api/v1/log/entries', { body: factory.next().json })));
        for (const r of answers) {
          assert.equal(r.status, 201);
          const v = Object.values(JSON.parse(r.body.toString('utf8')) as Record<string, { body: string; logIndex: number }>)[0]!;
          bodies[v.logIndex] = Buffer.from(v.body, 'base64');
        }
      }
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
    const file = join(data, 'cairn.db');
    const at = readFileSync(file).indexOf(bodies[150]!);
    assert.ok(at > 0, 'the body is stored verbatim in the file');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('XXXX'), 0, 4, at + 40);
    closeSync(fd);
    const changed = Buffer.from(bodies[150]!);
    changed.write('XXXX', 40);

    const s = await startServer(['--data-dir', data, '--startup-check', 'fast', '--audit-rate', '100000']);
    try {
      const rec = await logged(s, (r) => r['msg'] === 'integrity audit: stored data does not match what the log committed to; the log is read-only');
      assert.equal(rec['level'], 50, 'an error line (pino level 50)');
      assert.equal(rec['index'], 150);
      assert.equal(rec['expected'], Buffer.from(leafHash(bodies[150]!)).toString('hex'));
      assert.equal(rec['found'], Buffer.from(leafHash(changed)).toString('hex'));
      assert.equal(rec['database'], file);

      const ready = await httpRequest(s.url, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      const body = JSON.parse(ready.body.toString('utf8')) as { reason: string; detail: string };
      assert.equal(body.reason, 'read-only');
      assert.match(body.detail, /^integrity audit: entry 150's body does not hash to its stored leaf hash \(expected [0-9a-f]{64}, found [0-9a-f]{64}\)/);
      const submit = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
      assert.equal(submit.status, 503, 'writes are refused');
      const metrics = (await httpRequest(s.url, 'GET', '/metrics')).body.toString('utf8');
      assert.match(metrics, /^cairn_audit_mismatch 1$/m);
      assert.match(metrics, /^cairn_audit_rate_entries_per_second 100000$/m);
      assert.match(metrics, /^cairn_read_only 1$/m);
    } finally {
      await s.stop();
    }
  });
});
