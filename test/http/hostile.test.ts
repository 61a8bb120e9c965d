/**
 * Hostile input over every route of openapi.yaml: thousands of
 * seeded cases (malformed and deeply nested JSON, wrong types, huge and
 * negative numbers, non-hex IDs, invalid base64, garbage PEM and DER, odd
 * certificates, signatures of the wrong length, duplicated keys, oversized
 * bodies, odd content types and encodings, path traversal in tile paths,
 * unknown paths and methods). Every answer MUST be < 500, every 4xx a JSON
 * error, and the log MUST be unchanged (tree size and root) and still serving.
 * Slow clients (slowloris) are covered against the real server in
 * test/cli/limits.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { loadApiSpec } from '../../src/api/index.js';
import { pick, prng } from '../support/prng.js';
import { openTestLog, rawEntry, type TestLog } from '../support/test-log.js';
import { certsPem } from '../support/entry/x509.js';
import type { LogService } from '../../src/log/index.js';
import { b64, checkLogEntry, hashedRekord, openV2TestLog } from '../support/http.js';
import { makeEntryBases, type EntryBases } from '../support/hostile/entry-bodies.js';
import { hostileRequestFor, strayRequest, type HostileRequest, type Operation } from '../support/hostile/requests.js';

/** POST operations that only read (searches). */
const READS: ReadonlySet<string> = new Set(['searchLogQuery', 'searchIndex']);
const CASES = Number(process.env['CAIRN_FUZZ_CASES'] ?? 3000);
const SEED = Number(process.env['CAIRN_FUZZ_SEED'] ?? 6_000_006);

describe('hostile input over every route', function () {
  this.timeout(120_000);
  let t: TestLog;
  let v2: LogService;
  let server: Server;
  let bases: EntryBases;
  let operations: Operation[];

  before(async () => {
    t = await openTestLog(undefined, { batchMaxAgeMs: 0 });
    v2 = await openV2TestLog(t, { batchMaxAgeMs: 0 });
    const app = createApp({ log: t.log, logV2: v2, maxRequestBytes: 262_144 });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    bases = makeEntryBases();
    for (const e of bases.valid) await request(server).post('/api/v1/log/entries').send(e).expect(201);
    for (const e of bases.v2Valid) await request(server).post('/api/v2/log/entries').send(e).expect(201);
    // More than one tile of entries, so tile and bundle paths have full and partial tiles to hit.
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`fuzz filler ${i}`, [`sha256:${i}`]))));
    // Admin operations on the log's trees (rotate, freeze) change it by design; their refusals are tested in test/http/auth.test.ts.
    operations = loadApiSpec().operations().filter((o) => !o.path.startsWith('/api/v1/admin/'));
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it(`answers ${CASES} seeded hostile requests with 4xx JSON errors, never 5xx, leaving the log unchanged`, async () => {
    const before = snapshot(t);
    const beforeV2 = v2Snapshot(v2);
    const rnd = prng(SEED);
    const perOp = new Map<string, number>();
    const perKind = new Map<string, number>();
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < CASES; i++) {
      const write = rnd() < 0.35 ? operations.find((o) => o.operationId === (rnd() < 0.7 ? 'createLogEntry' : 'createRekorV2Entry'))! : undefined;
      const op = rnd() < 0.03 ? undefined : write ?? pick(rnd, operations);
      const req = op === undefined ? { ...strayRequest(rnd), mayBeOk: true } : hostileRequestFor(rnd, op, bases);
      const res = await send(server, req);
      const where = `case ${i} (seed ${SEED}): ${req.method} ${req.path.slice(0, 200)} [${req.op}: ${req.kind}] → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
      assert.ok(res.status < 500, `5xx for ${where}`);
      if (res.status >= 400) {
        assert.match(res.headers['content-type'] ?? '', /^application\/json/, `non-JSON error for ${where}`);
        if (req.op === 'createRekorV2Entry' && res.body.error === undefined) {
          // Rekor v2's own refusals: grpc-gateway's status JSON (the guards and body reader answer with Cairn's).
          assert.ok(Number.isInteger(res.body.code) && typeof res.body.message === 'string' && Array.isArray(res.body.details), `not a Rekor v2 error for ${where}`);
        } else {
          assert.equal(typeof res.body.error, 'string', `error code missing for ${where}`);
          assert.equal(res.body.code, res.status, where);
        }
      } else {
        // Reads may happen to be valid (an empty segment names the list route, an unknown parameter is ignored); writes never.
        assert.ok(req.mayBeOk === true || req.method === 'GET' || READS.has(req.op), `accepted: ${where}`);
      }
      perOp.set(req.op, (perOp.get(req.op) ?? 0) + 1);
      perKind.set(req.kind, (perKind.get(req.kind) ?? 0) + 1);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (i % 250 === 249) {
        await assertUnchanged(server, t, before, where);
        assert.deepEqual(v2Snapshot(v2), beforeV2, `the v2 tree changed by ${where}`);
      }
    }
    await assertUnchanged(server, t, before, 'the end');
    assert.deepEqual(v2Snapshot(v2), beforeV2, 'the v2 tree changed');
    assert.equal(v2.status().poolSize, 0);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      hostile input: ${CASES} cases in ${seconds.toFixed(1)} s over ${perOp.size} operations, 0 5xx; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    console.log(`      by kind: ${JSON.stringify(Object.fromEntries([...perKind].sort((a, b) => b[1] - a[1])))}`);
    for (const op of operations) assert.ok((perOp.get(op.operationId) ?? 0) > 0, `no case hit ${op.operationId}`);
  });

  it('answers odd certificates carrying a valid signature with 201 or a 4xx JSON error, never 5xx', async () => {
    let accepted = 0;
    for (const [name, der] of bases.oddCerts) {
      const entry = hashedRekord(bases.key, `odd certificate: ${name}`, { publicKey: b64(certsPem([der])) });
      const res = await request(server).post('/api/v1/log/entries').send(entry);
      assert.ok(res.status === 201 || (res.status >= 400 && res.status < 500 && typeof res.body.error === 'string'), `${name}: ${res.status} ${JSON.stringify(res.body)}`);
      if (res.status === 201) {
        checkLogEntry(t, res.body);
        accepted++;
      }
    }
    const health = await request(server).get('/healthz').expect(200);
    assert.equal(health.body.treeSize, t.store.latestCheckpoint()!.size);
    console.log(`      odd certificates: ${bases.oddCerts.length} cases, ${accepted} accepted, the rest refused with 4xx`);
  });
});

interface Snapshot {
  readonly size: number;
  readonly root: string;
}

function v2Snapshot(log: LogService): Snapshot {
  const cp = log.reader.latest();
  return { size: cp.size, root: Buffer.from(cp.root).toString('hex') };
}

function snapshot(t: TestLog): Snapshot {
  const cp = t.store.latestCheckpoint()!;
  return { size: cp.size, root: Buffer.from(cp.root).toString('hex') };
}

async function assertUnchanged(server: Server, t: TestLog, before: Snapshot, where: string): Promise<void> {
  assert.deepEqual(snapshot(t), before, `the log changed by ${where}`);
  assert.equal(t.log.status().poolSize, 0);
  const health = await request(server).get('/healthz');
  assert.equal(health.status, 200, `not healthy after ${where}`);
  const info = await request(server).get('/api/v1/log').expect(200);
  assert.equal(info.body.treeSize, before.size);
}

function send(server: Server, r: HostileRequest): Promise<request.Response> {
  const port = (server.address() as AddressInfo).port;
  let q = request(`http://127.0.0.1:${port}`)[r.method.toLowerCase() as 'get'](r.path).timeout(15_000);
  for (const [k, v] of Object.entries(r.headers ?? {})) q = q.set(k, v);
  return r.body === undefined ? q : q.send(r.body);
}
