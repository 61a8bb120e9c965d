import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { inlineAdmission, workerAdmission } from '../../src/http/index.js';
import { ecKey, hashedRekord } from './helpers.js';

const LIMITS = { maxBodyBytes: 65_535, maxChainLength: 10 };

describe('workerAdmission', () => {
  describe('when given valid and invalid entries', () => {
    it('prepares exactly what inline admission prepares, and rebuilds LogErrors with their code', async () => {
      const pool = workerAdmission(2);
      const inline = inlineAdmission();
      try {
        const key = ecKey();
        const entries = Array.from({ length: 20 }, (_, i) => hashedRekord(key, `artifact ${i}`));
        const fromPool = await Promise.all(entries.map((e) => pool.prepare(e, LIMITS)));
        const fromInline = await Promise.all(entries.map((e) => inline.prepare(e, LIMITS)));
        for (let i = 0; i < entries.length; i++) {
          assert.deepEqual(Buffer.from(fromPool[i]!.body), Buffer.from(fromInline[i]!.body));
          assert.deepEqual(Buffer.from(fromPool[i]!.leafHash), Buffer.from(fromInline[i]!.leafHash));
          assert.deepEqual(fromPool[i]!.searchKeys, fromInline[i]!.searchKeys);
          assert.equal(fromPool[i]!.kind, 'hashedrekord/0.0.1');
        }
        const bad = hashedRekord(key, 'x', { signature: Buffer.from('not a signature').toString('base64') });
        const errs = await Promise.allSettled([pool.prepare(bad, LIMITS), inline.prepare(bad, LIMITS)]);
        for (const e of errs) {
          assert.equal(e.status, 'rejected');
          assert.ok(isLogError((e as PromiseRejectedResult).reason));
        }
        assert.equal(
          ((errs[0] as PromiseRejectedResult).reason as { code: string }).code,
          ((errs[1] as PromiseRejectedResult).reason as { code: string }).code,
        );
        const unknown = await pool.prepare({ kind: 'nope', apiVersion: '1', spec: {} }, LIMITS).catch((e: unknown) => e);
        assert.ok(isLogError(unknown, 'UNSUPPORTED_KIND'));
      } finally {
        await pool.close();
      }
    });
  });

  describe('when closed', () => {
    it('rejects new work with SHUTTING_DOWN', async () => {
      const pool = workerAdmission(1);
      await pool.close();
      const err = await pool.prepare({}, LIMITS).catch((e: unknown) => e);
      assert.ok(isLogError(err, 'SHUTTING_DOWN'));
    });
  });
});
