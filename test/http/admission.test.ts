import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import { inlineAdmission, workerAdmission } from '../../src/http/index.js';
import { ecKey, hashedRekord } from '../support/http.js';

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

describe('prepareRaw', () => {
  describe('when given request bodies as bytes', () => {
    it('parses, schema-checks and prepares alike in the pool and inline', async () => {
      const pool = workerAdmission(1);
      const inline = inlineAdmission();
      try {
        const key = ecKey();
        const good = Buffer.from(JSON.stringify(hashedRekord(key, 'artifact')));
        const [p, i] = await Promise.all([pool.prepareRaw(good, LIMITS), inline.prepareRaw(good, LIMITS)]);
        assert.deepEqual(Buffer.from(p.body), Buffer.from(i.body));
        assert.deepEqual(Buffer.from(p.leafHash), Buffer.from(i.leafHash));
        assert.deepEqual(Buffer.from(p.body), Buffer.from((await inline.prepare(JSON.parse(good.toString()), LIMITS)).body));
        for (const [raw, code] of [
          ['{"kind":', 'BAD_REQUEST'],
          ['42', 'BAD_REQUEST'],
          ['', 'SCHEMA_INVALID'],
          ['{"kind":"hashedrekord"}', 'SCHEMA_INVALID'],
        ] as const) {
          for (const a of [pool, inline]) {
            const err = await a.prepareRaw(Buffer.from(raw), LIMITS).catch((e: unknown) => e);
            assert.ok(isLogError(err, code), `${JSON.stringify(raw)} → ${code}, got ${String(err)}`);
          }
        }
      } finally {
        await pool.close();
      }
    });
  });
});

describe('signEntryTimestamps', () => {
  describe('when the pool holds the log key', () => {
    it('signs every payload, in order, across the workers', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pool = workerAdmission(2, { entryTimestampKey: privateKey });
      try {
        const payloads = Array.from({ length: 9 }, (_, i) => Buffer.from(`payload ${i}`));
        const sigs = await pool.signEntryTimestamps(payloads);
        assert.equal(sigs.length, payloads.length);
        sigs.forEach((s, i) => assert.ok(verify(null, payloads[i]!, publicKey, s), `signature ${i}`));
        assert.deepEqual(await pool.signEntryTimestamps([]), []);
      } finally {
        await pool.close();
      }
    });
  });

  describe('when the pool has no key', () => {
    it('rejects, so the batch fails instead of going unsigned', async () => {
      const pool = workerAdmission(1);
      try {
        await assert.rejects(pool.signEntryTimestamps([Buffer.from('x')]), (e: unknown) => isLogError(e, 'INTERNAL'));
      } finally {
        await pool.close();
      }
    });
  });
});
