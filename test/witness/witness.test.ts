/**
 * `cairn witness` over HTTP (createWitnessApp + Witness): one test per
 * c2sp.org/tlog-witness status code, the 409 body, and that the new state
 * is durable before the cosignature is sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { LogError } from '../../src/errors.js';
import { createWitnessApp } from '../../src/http/index.js';
import { EMPTY_ROOT } from '../../src/merkle/index.js';
import {
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  ed25519NoteSigner,
  formatAddCheckpoint,
  formatCheckpoint,
  parseNote,
  signNote,
  verifyCosignature,
} from '../../src/note/index.js';
import { openSqliteWitnessStore, type WitnessStore } from '../../src/storage/index.js';
import { Witness } from '../../src/witness/index.js';
import { signCheckpointNow } from '../../src/log/index.js';
import { openTestLog, rawEntry, testKey, type TestLog } from '../support/test-log.js';
import { checkCosignatureBytes, witnessedLogOf } from '../support/witness.js';

const NAME = 'witness.test/w1';

async function grow(t: TestLog, n: number): Promise<void> {
  const start = t.log.status().size;
  for (let i = start; i < start + n; i++) await t.log.submit(rawEntry(`entry ${i}`));
}

/** The add-checkpoint body for the log's published checkpoint at `size`, proven from `old`. */
async function bodyFor(t: TestLog, old: number, size: number, proofOverride?: Uint8Array[]): Promise<string> {
  const cp = t.store.checkpointAt(size);
  assert.ok(cp, `a checkpoint at ${size}`);
  return formatAddCheckpoint({ oldSize: old, proof: proofOverride ?? (await t.log.reader.consistencyProof(old, size)), checkpoint: cp.note });
}

/** A checkpoint at `size` with `root`, signed with the log's key (as a misbehaving log would). */
function signedBy(t: TestLog, size: number, root: Uint8Array): string {
  return signCheckpointNow(t.identity, formatCheckpoint({ origin: t.identity.origin, size, root }));
}

describe('cairn witness (tlog-witness add-checkpoint)', () => {
  let t: TestLog;
  let store: WitnessStore;
  let witness: Witness;
  const clock = new ManualClock(1_700_000_000_000);
  const post = (body: string | Buffer) => request(createWitnessApp({ witness })).post('/add-checkpoint').type('text/plain').send(body);

  beforeEach(async () => {
    t = await openTestLog();
    await grow(t, 5);
    store = openSqliteWitnessStore({ path: ':memory:' });
    witness = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [witnessedLogOf(t)], store, clock });
  });
  afterEach(() => store.close());

  describe('when the checkpoint is signed and consistent', () => {
    it('answers 200 with one tlog-cosignature line, and records the new size', async () => {
      const res = await post(await bodyFor(t, 0, 3)).expect(200);
      assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
      const text = parseNote(t.store.checkpointAt(3)!.note).text;
      const lines = res.text.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1);
      assert.equal(verifyCosignature(ed25519CosignatureVerifier(NAME, testKey(21)), text, lines[0]!), 1_700_000_000);
      assert.equal(checkCosignatureBytes(lines[0]!, NAME, testKey(21), text), 1_700_000_000);
      assert.equal(store.latest(t.identity.origin)?.size, 3);

      clock.advance(5_000);
      await post(await bodyFor(t, 3, 5)).expect(200);
      assert.equal(store.latest(t.identity.origin)?.size, 5);
      // The same checkpoint again is cosigned again, with nothing to change.
      await post(await bodyFor(t, 5, 5)).expect(200);
      assert.equal(store.latest(t.identity.origin)?.size, 5);
    });

    it('cosigns the checkpoints of a log with an ECDSA log key, checked by its note key (the Rekor line is not the vkey\'s)', async () => {
      const ec = await openTestLog(undefined, {}, undefined, 'ecdsa-p256');
      await grow(ec, 4);
      const w = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [witnessedLogOf(ec)], store, clock });
      const res = await request(createWitnessApp({ witness: w })).post('/add-checkpoint').send(await bodyFor(ec, 0, 4)).expect(200);
      assert.equal(checkCosignatureBytes(res.text.trim(), NAME, testKey(21), parseNote(ec.store.checkpointAt(4)!.note).text), Math.floor(clock.now() / 1000));
    });

    it('persists the new state before answering (a second connection to the file sees it)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-witness-'));
      try {
        const file = join(dir, 'witness.db');
        const fileStore = openSqliteWitnessStore({ path: file });
        const w = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [witnessedLogOf(t)], store: fileStore, clock });
        await request(createWitnessApp({ witness: w })).post('/add-checkpoint').send(await bodyFor(t, 0, 4)).expect(200);
        const other = openSqliteWitnessStore({ path: file });
        assert.equal(other.latest(t.identity.origin)?.size, 4);
        other.close();
        fileStore.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('answers 503 without a cosignature when the state cannot be written', async () => {
      const failing: WitnessStore = {
        latest: (o) => store.latest(o),
        advance: () => {
          throw new LogError('STORE_FAILED', "couldn't write: disk full");
        },
        close: () => undefined,
      };
      const w = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [witnessedLogOf(t)], store: failing, clock });
      const res = await request(createWitnessApp({ witness: w })).post('/add-checkpoint').send(await bodyFor(t, 0, 2)).expect(503);
      assert.doesNotMatch(res.text, /\u2014/);
    });
  });

  describe('when the origin is not a configured log', () => {
    it('answers 404', async () => {
      const other = await openTestLog();
      const w = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [], store, clock });
      await grow(other, 1);
      await request(createWitnessApp({ witness: w })).post('/add-checkpoint').send(await bodyFor(other, 0, 1)).expect(404);
    });
  });

  describe('when no signature verifies with the log key', () => {
    it('answers 403 for another key and for a tampered signature', async () => {
      const cp = t.store.checkpointAt(2)!;
      const text = parseNote(cp.note).text;
      const forged = signNote(text, [ed25519NoteSigner(t.identity.host, testKey(99), 'c2sp')]);
      const r = await post(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: forged }));
      assert.equal(r.status, 403, r.text);
      const at = cp.note.indexOf('\n\n\u2014 ') + 3;
      const sigAt = cp.note.indexOf(' ', at + 2) + 10;
      const tampered = cp.note.slice(0, sigAt) + (cp.note[sigAt] === 'A' ? 'B' : 'A') + cp.note.slice(sigAt + 1);
      await post(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: tampered })).expect(403);
      assert.equal(store.latest(t.identity.origin), undefined);
    });
  });

  describe('when the request is malformed or old > size', () => {
    it('answers 400 when the old size is larger than the checkpoint', async () => {
      await post(await bodyFor(t, 0, 3)).expect(200);
      await post(formatAddCheckpoint({ oldSize: 6, proof: [], checkpoint: t.store.checkpointAt(5)!.note })).expect(400);
    });

    it('answers 400 for a body that is not an add-checkpoint request', async () => {
      for (const body of ['', 'old x\n\n', 'old 0\n', `old 0\nnot base64\n\n${t.store.checkpointAt(1)!.note}`, 'old 0\n\nnot a note\n']) {
        await post(body).expect(400);
      }
    });
  });

  describe('when the old size is not the latest size cosigned', () => {
    it('answers 409 with that size as text/x.tlog.size', async () => {
      await post(await bodyFor(t, 0, 3)).expect(200);
      for (const old of [0, 2]) {
        const res = await post(await bodyFor(t, old, 5)).expect(409);
        assert.equal(res.headers['content-type'], 'text/x.tlog.size');
        assert.equal(res.text, '3\n');
      }
      assert.equal(store.latest(t.identity.origin)?.size, 3);
    });
  });

  describe('when the checkpoint is not proven consistent', () => {
    beforeEach(async () => {
      await post(await bodyFor(t, 0, 3)).expect(200);
    });

    it('answers 422 for a proof that does not verify', async () => {
      const proof = (await t.log.reader.consistencyProof(3, 5)).map((h) => new Uint8Array(h));
      proof[0] = Buffer.from(proof[0]!).fill(7, 0, 1);
      await post(await bodyFor(t, 3, 5, proof)).expect(422);
      await post(await bodyFor(t, 3, 5, [])).expect(422);
      assert.equal(store.latest(t.identity.origin)?.size, 3);
    });

    it('answers 422 for a checkpoint of the cosigned size with another root', async () => {
      await post(formatAddCheckpoint({ oldSize: 3, proof: [], checkpoint: signedBy(t, 3, randomBytes(32)) })).expect(422);
    });

    it('answers 422 for a non-empty proof from size 0, and for a size-0 checkpoint without the empty root', async () => {
      const fresh = new Witness({ cosigner: ed25519Cosigner(NAME, testKey(21)), logs: [witnessedLogOf(t)], store: openSqliteWitnessStore({ path: ':memory:' }), clock });
      const app = createWitnessApp({ witness: fresh });
      await request(app).post('/add-checkpoint').send(await bodyFor(t, 0, 5, [new Uint8Array(32)])).expect(422);
      await request(app).post('/add-checkpoint').send(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: signedBy(t, 0, randomBytes(32)) })).expect(422);
      await request(app).post('/add-checkpoint').send(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: signedBy(t, 0, EMPTY_ROOT) })).expect(200);
    });
  });
});
