/**
 * The probes (src/http/routes/health.ts): /healthz is liveness (200 while the
 * process answers), /readyz readiness to take writes with the reason when
 * not. The read-only case is driven by real store faults in
 * store-faults.test.ts; the start-up "checking" in test/cli/readiness.test.ts.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApp } from '../support/http.js';

describe('health probes', () => {
  it('answers 200 to both while the log accepts writes', async () => {
    const { app } = await testApp();
    assert.deepEqual((await request(app).get('/healthz').expect(200)).body, { status: 'ok', treeSize: 0, pool: 0 });
    assert.deepEqual((await request(app).get('/readyz').expect(200)).body, { ready: true, treeSize: 0 });
  });

  describe('when the server is shutting down', () => {
    it('is alive but not ready: /readyz 503 "shutting down"', async () => {
      const { app } = await testApp({ stopping: () => true });
      await request(app).get('/healthz').expect(200);
      const ready = await request(app).get('/readyz').expect(503);
      assert.deepEqual(ready.body, { ready: false, reason: 'shutting down', treeSize: 0 });
      assert.equal(ready.headers['cache-control'], 'no-store');
    });
  });

  describe('when the log is frozen', () => {
    it('is alive but not ready: /readyz 503 "frozen" with the detail', async () => {
      const { app, t } = await testApp();
      await t.log.freeze();
      await request(app).get('/healthz').expect(200);
      const ready = await request(app).get('/readyz').expect(503);
      assert.deepEqual(ready.body, { ready: false, reason: 'frozen', detail: 'the log is frozen', treeSize: 0 });
    });
  });
});
