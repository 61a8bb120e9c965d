/**
 * The Rekor v2 tree checked by Go's golang.org/x/mod (test/interop/go/tlogcheck):
 * its checkpoints (origin the host) open with the log's vkey through
 * sumdb/note, and its root is recomputed from the tiles and entry bundles
 * served under /api/v2 (sumdb/tlog), consistent across growth; the
 * checkpoint in a TransparencyLogEntry verifies the same way. The v1 tree's
 * tiles, beside it on the same server, still verify.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { requireGoOrSkip, runGoTool } from '../../support/go.js';
import { ecKey, hashedRekord, hashedRekordV2, testApp, type TestApp } from '../../support/http.js';
import { openTestLog } from '../../support/test-log.js';

describe('Rekor v2 checkpoints and tiles × Go x/mod', function () {
  this.timeout(120_000);
  let server: Server;
  let a: TestApp;
  let base: string;
  const key = ecKey();

  before(async function () {
    await requireGoOrSkip(this);
    a = await testApp({}, openTestLog(undefined, { batchMaxSize: 64 }, undefined, 'ecdsa-p256'));
    server = createServer(a.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server?.close());

  async function submitV2(from: number, to: number): Promise<unknown[]> {
    return Promise.all(Array.from({ length: to - from }, (_, i) => request(server).post('/api/v2/log/entries').send(hashedRekordV2(key, `go v2 ${from + i}`)).expect(201).then((r) => r.body)));
  }

  it('recomputes the v2 root from its tiles at sizes 1, 256 and 300, consistent across growth, origin the host', async () => {
    let size = 0;
    let old: { size: number; root: string } | undefined;
    for (const target of [1, 256, 300]) {
      await submitV2(size, target);
      size = target;
      const args = ['verify-tiles', `${base}/api/v2`, a.t.identity.vkey];
      if (old !== undefined) args.push('--old-size', String(old.size), '--old-root', old.root);
      const r = await runGoTool(args);
      assert.equal(r.code, 0, `size ${target}: ${r.stderr}`);
      const summary = JSON.parse(r.stdout) as { ok: boolean; size: number; origin: string; entries: number };
      assert.equal(summary.size, target);
      assert.equal(summary.origin, a.t.identity.host);
      old = { size: target, root: Buffer.from(a.v2.reader.latest().root).toString('hex') };
    }
  });

  it('opens the checkpoint of a TransparencyLogEntry with the log\'s vkey, and refuses it once changed', async () => {
    const [tle] = (await submitV2(1000, 1001)) as Array<{ inclusionProof: { checkpoint: { envelope: string } } }>;
    const note = tle!.inclusionProof.checkpoint.envelope;
    const ok = await runGoTool(['verify-note', a.t.identity.vkey], note);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^${a.t.identity.host.replace(/\./g, '\\.')}\\n`));
    const bad = await runGoTool(['verify-note', a.t.identity.vkey], note.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) + 1}\n`));
    assert.equal(bad.code, 1);
  });

  it('leaves the v1 tree, served beside it, verifiable on its own', async () => {
    await request(server).post('/api/v1/log/entries').send(hashedRekord(key, 'a v1 entry')).expect(201);
    const r = await runGoTool(['verify-tiles', base, a.t.identity.vkey]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { size: number; origin: string };
    assert.equal(summary.size, 1);
    assert.equal(summary.origin, a.t.identity.origin);
  });
});
