import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { inlineAdmission } from '../../src/admission/index.js';
import { isLogError } from '../../src/errors.js';
import { createWorkerPool } from '../../src/workers/index.js';
import { ecKey, hashedRekord } from '../support/http.js';

const LIMITS = { maxBodyBytes: 65_535, maxChainLength: 10 };
const bytes = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));

describe('createWorkerPool', () => {
  describe('admission', () => {
    describe('when given valid and invalid request bodies', () => {
      it('admits exactly what inline admission admits, and rebuilds LogErrors with their code', async () => {
        const pool = createWorkerPool({ size: 2 });
        const inline = inlineAdmission();
        try {
          const key = ecKey();
          const bodies = Array.from({ length: 20 }, (_, i) => bytes(hashedRekord(key, `artifact ${i}`)));
          const fromPool = await Promise.all(bodies.map((b) => pool.admission.admit(b, LIMITS)));
          const fromInline = await Promise.all(bodies.map((b) => inline.admit(b, LIMITS)));
          for (let i = 0; i < bodies.length; i++) {
            assert.deepEqual(Buffer.from(fromPool[i]!.body), Buffer.from(fromInline[i]!.body));
            assert.deepEqual(Buffer.from(fromPool[i]!.leafHash), Buffer.from(fromInline[i]!.leafHash));
            assert.deepEqual(fromPool[i]!.searchKeys, fromInline[i]!.searchKeys);
            assert.equal(fromPool[i]!.kind, 'hashedrekord/0.0.1');
          }
          for (const [raw, code] of [
            [bytes(hashedRekord(key, 'x', { signature: Buffer.from('not a signature').toString('base64') })), 'SIGNATURE_INVALID'],
            [bytes({ kind: 'nope', apiVersion: '1', spec: {} }), 'SCHEMA_INVALID'],
            [Buffer.from('{"kind":'), 'BAD_REQUEST'],
            [Buffer.from('42'), 'BAD_REQUEST'],
            [Buffer.from(''), 'SCHEMA_INVALID'],
          ] as const) {
            const errs = await Promise.all([pool.admission.admit(raw, LIMITS), inline.admit(raw, LIMITS)].map((p) => p.catch((e: unknown) => e)));
            for (const err of errs) assert.ok(isLogError(err, code), `${raw.toString()} → ${code}, got ${String(err)}`);
          }
        } finally {
          await pool.close();
        }
      });
    });

    describe('when more admissions wait than a thread is given ahead of its replies', () => {
      it('answers every one as inline admission does (the held ones leave as replies come back), and signs meanwhile', async () => {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const pool = createWorkerPool({ size: 1, signingKeys: { log: privateKey } });
        const inline = inlineAdmission();
        try {
          const key = ecKey();
          const bodies = Array.from({ length: 240 }, (_, i) => bytes(hashedRekord(key, `held ${i}`)));
          const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
          const fromInline = await Promise.all(bodies.map((b) => inline.admit(b, LIMITS)));
          const same = (got: Array<{ leafHash: Uint8Array }>, from: number): void =>
            got.forEach((e, i) => assert.deepEqual(Buffer.from(e.leafHash), Buffer.from(fromInline[from + i]!.leafHash), `entry ${from + i}`));
          // Nothing but admissions: 20 posted at once, 100 more held until replies come back.
          const first = bodies.slice(0, 20).map((b) => pool.admission.admit(b, LIMITS));
          await turn();
          first.push(...bodies.slice(20, 120).map((b) => pool.admission.admit(b, LIMITS)));
          same(await Promise.all(first), 0);
          // The same with a signature asked while admissions are held.
          const second = bodies.slice(120, 140).map((b) => pool.admission.admit(b, LIMITS));
          await turn();
          second.push(...bodies.slice(140).map((b) => pool.admission.admit(b, LIMITS)));
          await turn();
          const { sets } = await pool.signer!.sign([Buffer.from('set')], Buffer.from('checkpoint\n'));
          assert.ok(verify(null, Buffer.from('set'), publicKey, sets[0]!));
          same(await Promise.all(second), 120);
        } finally {
          await pool.close();
        }
      });
    });

    describe('when the body is a view into a larger buffer', () => {
      it('admits only the viewed bytes', async () => {
        const pool = createWorkerPool({ size: 1 });
        try {
          const body = bytes(hashedRekord(ecKey(), 'in a slab'));
          const slab = Buffer.concat([Buffer.from('garbage{'), body, Buffer.from('}garbage')]);
          const view = slab.subarray(8, 8 + body.length);
          const [a, b] = await Promise.all([pool.admission.admit(view, LIMITS), inlineAdmission().admit(body, LIMITS)]);
          assert.deepEqual(Buffer.from(a.leafHash), Buffer.from(b.leafHash));
          assert.equal(slab.subarray(8, 8 + body.length).length, body.length, 'the caller keeps its bytes');
        } finally {
          await pool.close();
        }
      });
    });

    describe('when closed', () => {
      it('rejects new work with SHUTTING_DOWN', async () => {
        const pool = createWorkerPool({ size: 1 });
        await pool.admission.close();
        assert.ok(isLogError(await pool.admission.admit(Buffer.from('{}'), LIMITS).catch((e: unknown) => e), 'SHUTTING_DOWN'));
        await pool.close();
        const inline = inlineAdmission();
        await inline.close();
        assert.ok(isLogError(await inline.admit(Buffer.from('{}'), LIMITS).catch((e: unknown) => e), 'SHUTTING_DOWN'));
      });
    });
  });

  describe('signer', () => {
    describe('when the pool holds the log key', () => {
      for (const type of ['ed25519', 'ecdsa-p256'] as const) {
        it(`signs every SET and the checkpoint, in order, across the threads (${type} log key)`, async () => {
          const log = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const note = generateKeyPairSync('ed25519');
          const pool = createWorkerPool({ size: 2, signingKeys: { log: log.privateKey, note: type === 'ed25519' ? undefined : note.privateKey } });
          try {
            const messages = Array.from({ length: 9 }, (_, i) => Buffer.from(`payload ${i}`));
            const checkpoint = Buffer.from('origin\n9\nroot\n');
            const { sets, checkpoint: lines } = await pool.signer!.sign(messages, checkpoint);
            assert.equal(sets.length, messages.length);
            const digest = type === 'ed25519' ? null : 'sha256';
            sets.forEach((s, i) => assert.ok(verify(digest, messages[i]!, { key: log.publicKey, dsaEncoding: 'der' }, s), `signature ${i}`));
            assert.equal(lines.length, 2);
            assert.ok(verify(digest, checkpoint, { key: log.publicKey, dsaEncoding: 'der' }, lines[1]!), 'the Rekor line is the log key\'s');
            assert.ok(verify(null, checkpoint, type === 'ed25519' ? log.publicKey : note.publicKey, lines[0]!), 'the C2SP line is the note key\'s');
            assert.deepEqual((await pool.signer!.sign([], checkpoint)).sets, []);
          } finally {
            await pool.close();
          }
        });
      }

      it('keeps signing after admission closed, and refuses once the pool closed', async () => {
        const { privateKey } = generateKeyPairSync('ed25519');
        const pool = createWorkerPool({ size: 1, signingKeys: { log: privateKey } });
        await pool.admission.close();
        assert.equal((await pool.signer!.sign([Buffer.from('x')], Buffer.from('c'))).sets.length, 1);
        await pool.close();
        await assert.rejects(pool.signer!.sign([Buffer.from('x')], Buffer.from('c')), (e: unknown) => isLogError(e, 'SHUTTING_DOWN'));
      });
    });

    describe('when the pool has no key', () => {
      it('offers no signer', async () => {
        const pool = createWorkerPool({ size: 1 });
        assert.equal(pool.signer, undefined);
        assert.equal(pool.keySigner('log'), undefined);
        await pool.close();
      });
    });
  });
});
