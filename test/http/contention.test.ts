/**
 * Contention over HTTP: 1,000 concurrent identical submissions make
 * exactly one entry, and every other answer is a 409 whose Location points at
 * it; 1,000 concurrent distinct submissions get dense indices with no gap and
 * no repeat. Run with inline admission and with the worker pool the server
 * uses (answers then come back from the workers in any order).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inlineAdmission, type Admission } from '../../src/admission/index.js';
import { createApp } from '../../src/http/index.js';
import { createWorkerPool } from '../../src/workers/index.js';
import { httpRequest, keepAliveAgent, type HttpAnswer } from '../support/http-client.js';
import { checkLog, openTestLog, type TestLog } from '../support/test-log.js';
import { checkLogEntry, ecKey, hashedRekord } from '../support/http.js';

const N = 1000;
const key = ecKey();

async function serve(admission: Admission): Promise<{ t: TestLog; server: Server; url: string }> {
  const t = await openTestLog(undefined, { batchMaxAgeMs: 5, batchMaxSize: 128 });
  const server = createServer(createApp({ log: t.log, maxRequestBytes: 1 << 20, admission }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { t, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** POST every body at once, each on its own connection (up to N sockets open together). */
async function postAll(url: string, bodies: readonly string[]): Promise<HttpAnswer[]> {
  const agent = keepAliveAgent(N);
  try {
    return await Promise.all(bodies.map((body) => httpRequest(url, 'POST', '/api/v1/log/entries', { agent, body, timeoutMs: 60_000 })));
  } finally {
    agent.destroy();
  }
}

for (const [name, make] of [
  ['inline admission', (): { admission: Admission; close(): Promise<void> } => ({ admission: inlineAdmission(), close: () => Promise.resolve() })],
  ['a worker pool', (): { admission: Admission; close(): Promise<void> } => createWorkerPool({ size: 2 })],
] as const) {
  describe(`concurrent submissions over HTTP (${name})`, function () {
    this.timeout(60_000);
    let t: TestLog;
    let server: Server;
    let url: string;
    let made: { admission: Admission; close(): Promise<void> };
    beforeEach(async () => {
      made = make();
      ({ t, server, url } = await serve(made.admission));
    });
    afterEach(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await made.admission.close();
      await made.close();
    });

    it(`makes exactly one entry of ${N} identical submissions; every other answer is a 409 pointing at it`, async () => {
      const body = JSON.stringify(hashedRekord(key, 'one artifact, many submitters'));
      const answers = await postAll(url, Array(N).fill(body));
      const created = answers.filter((a) => a.status === 201);
      const conflicts = answers.filter((a) => a.status === 409);
      assert.equal(created.length, 1, `statuses: ${JSON.stringify(countBy(answers.map((a) => a.status)))}`);
      assert.equal(conflicts.length, N - 1);
      const entry = checkLogEntry(t, JSON.parse(created[0]!.body.toString('utf8')));
      const location = `/api/v1/log/entries/${entry.id}`;
      assert.equal(created[0]!.headers['location'], location);
      for (const c of conflicts) {
        assert.equal(c.headers['location'], location);
        const json = JSON.parse(c.body.toString('utf8')) as { error: string; details: { entryID: string; existingIndex: number } };
        assert.equal(json.error, 'DUPLICATE');
        assert.equal(json.details.entryID, entry.id);
        assert.equal(json.details.existingIndex, entry.logIndex);
      }
      assert.equal(t.store.latestCheckpoint()!.size, 1);
      await checkLog(t);
    });

    it(`gives ${N} distinct concurrent submissions the dense indices 0..${N - 1}`, async () => {
      const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(hashedRekord(key, `distinct ${i}`)));
      const answers = await postAll(url, bodies);
      assert.deepEqual(countBy(answers.map((a) => a.status)), { 201: N });
      const indices = answers.map((a) => checkLogEntry(t, JSON.parse(a.body.toString('utf8'))).logIndex).sort((a, b) => a - b);
      assert.deepEqual(indices, Array.from({ length: N }, (_, i) => i), 'no gap, no repeat');
      assert.equal(t.store.latestCheckpoint()!.size, N);
      await checkLog(t);
    });
  });
}

function countBy(xs: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
