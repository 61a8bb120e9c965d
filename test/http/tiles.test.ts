import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { leafHash } from '../../src/merkle/index.js';
import { requireGoOrSkip, runGoTool } from '../support/go.js';
import { openTestLog, rawEntry, type TestLog } from '../support/test-log.js';

async function grow(t: TestLog, from: number, to: number): Promise<void> {
  for (let s = from; s < to; s += 5000) {
    const waits = [];
    for (let i = s; i < Math.min(to, s + 5000); i++) waits.push(t.log.submit(rawEntry(`tile entry ${i}`)));
    await Promise.all(waits);
  }
}

describe('tlog-tiles routes', () => {
  describe('when serving tiles and bundles', () => {
    it('serves full and partial tiles up to the published size, prefixes of each other, immutable', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 100 });
      await grow(t, 0, 300);
      const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
      const full = await request(app).get('/tile/0/000').expect(200);
      assert.equal(full.headers['content-type'], 'application/octet-stream');
      assert.equal(full.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(full.body.length, 256 * 32);
      assert.deepEqual(full.body.subarray(0, 32), Buffer.from(leafHash(Buffer.from('tile entry 0'))));
      const p44 = await request(app).get('/tile/0/001.p/44').expect(200);
      const p10 = await request(app).get('/tile/0/001.p/10').expect(200);
      assert.deepEqual(p10.body, p44.body.subarray(0, 320));
      await request(app).get('/tile/0/001.p/45').expect(404);
      await request(app).get('/tile/0/001').expect(404);
      await request(app).get('/tile/1/000.p/1').expect(200);
      await request(app).get('/tile/1/000.p/2').expect(404);
      const bundle = await request(app).get('/tile/entries/001.p/44').expect(200);
      assert.equal(bundle.body.readUInt16BE(0), Buffer.from('tile entry 256').length);
      assert.equal(bundle.body.subarray(2, 2 + 14).toString(), 'tile entry 256');
    });

    it('answers malformed tile paths with 400 or 404 JSON, never 500', async () => {
      const t = await openTestLog();
      await grow(t, 0, 3);
      const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
      for (const p of ['/tile/0/00', '/tile/0/000.p/0', '/tile/0/000.p/256', '/tile/00/000', '/tile/64/000', '/tile/0/x000/001',
        '/tile/0/../000', '/tile/entries/000.p/03', '/tile/0/000.p/', '/tile/-1/000', '/tile/0/999999999999999999999', '/tile/',
        '/tile/0/000/', '/tile/0/000.p/4', '/tile/entries/001']) {
        const res = await request(app).get(p);
        assert.ok(res.status === 400 || res.status === 404, `${p} → ${res.status}`);
        assert.equal(typeof res.body.error, 'string', p);
      }
    });
  });

  describe('when checked by Go x/mod tlog over HTTP', function () {
    this.timeout(120_000);
    let server: Server;
    let t: TestLog;
    before(async function () {
      await requireGoOrSkip(this);
      t = await openTestLog(undefined, { batchMaxSize: 4096 });
      server = createServer(createApp({ log: t.log, maxRequestBytes: 1 << 20 }));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    after(() => server?.close());

    it('recomputes the root from tiles and matches every bundle at sizes 0, 1, 255, 256, 257, 65536 and 70000, consistent across growth', async () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let size = 0;
      let old: { size: number; root: string } | undefined;
      for (const target of [0, 1, 255, 256, 257, 65_536, 70_000]) {
        await grow(t, size, target);
        size = target;
        const args = ['verify-tiles', base, t.identity.vkey];
        if (old !== undefined) args.push('--old-size', String(old.size), '--old-root', old.root);
        const r = await runGoTool(args);
        assert.equal(r.code, 0, `size ${target}: ${r.stderr}`);
        const summary = JSON.parse(r.stdout) as { ok: boolean; size: number; entries: number };
        assert.equal(summary.ok, true);
        assert.equal(summary.size, target);
        old = { size: target, root: Buffer.from(t.log.reader.latest().root).toString('hex') };
      }
    });
  });
});
