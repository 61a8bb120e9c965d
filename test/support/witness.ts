/**
 * Witness test helpers: an in-process `cairn witness` (Witness core +
 * createWitnessApp on 127.0.0.1, port 0 unless given) that can be stopped and
 * restarted on the same port with the same state, and an independent check of
 * a cosignature line's bytes (c2sp.org/tlog-cosignature) with node:crypto only.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, type Clock } from '../../src/clock.js';
import { createWitnessApp } from '../../src/http/index.js';
import {
  SIG_TYPE_COSIGNATURE,
  ed25519Cosigner,
  ed25519PublicKeyBytes,
  formatVkey,
  parseVkey,
  type NoteVerifier,
} from '../../src/note/index.js';
import { openSqliteWitnessStore, type WitnessStore } from '../../src/storage/index.js';
import { Witness, type WitnessedLog } from '../../src/witness/index.js';
import { testKey, type TestLog } from './test-log.js';

export interface TestWitness {
  readonly name: string;
  readonly key: KeyObject;
  /** `<name>+<key ID>+<base64(0x04 ‖ pubkey)>`. */
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly witness: Witness;
  readonly store: WitnessStore;
  /** `http://127.0.0.1:<port>` while up. */
  url: string;
  /** add-checkpoint requests answered (any status). */
  requests: number;
  /** Stop listening (connections refused), keeping the state. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Stop and close the store. */
  close(): Promise<void>;
}

/** The origin and verifier of a test log, as a witness configures it. */
export function witnessedLogOf(t: TestLog): WitnessedLog {
  return { origin: t.identity.origin, verifiers: [parseVkey(t.identity.vkey)] };
}

export async function startTestWitness(opts: {
  name: string;
  seed: number;
  logs: readonly WitnessedLog[];
  storePath?: string;
  clock?: Clock;
}): Promise<TestWitness> {
  const key = testKey(opts.seed);
  const store = openSqliteWitnessStore({ path: opts.storePath ?? ':memory:' });
  const witness = new Witness({ cosigner: ed25519Cosigner(opts.name, key), logs: opts.logs, store, clock: opts.clock ?? new ManualClock() });
  const vkey = formatVkey(opts.name, SIG_TYPE_COSIGNATURE, ed25519PublicKeyBytes(key));
  let server: Server | undefined;
  let port = 0;
  const tw: TestWitness = {
    name: opts.name,
    key,
    vkey,
    verifier: parseVkey(vkey),
    witness,
    store,
    url: '',
    requests: 0,
    async up() {
      const app = createWitnessApp({ witness });
      const s = createServer((req, res) => {
        if (req.url === '/add-checkpoint') res.once('finish', () => tw.requests++);
        app(req, res);
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      port = (s.address() as AddressInfo).port;
      tw.url = `http://127.0.0.1:${port}`;
      server = s;
    },
    async down() {
      const s = server;
      server = undefined;
      if (s === undefined) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    async close() {
      await tw.down();
      store.close();
    },
  };
  await tw.up();
  return tw;
}

/**
 * Checks a cosignature line byte by byte, independently of src/note
 * (c2sp.org/tlog-cosignature v1.0.1): `— <name> base64(keyID ‖ u64 BE
 * timestamp ‖ Ed25519 signature)`, 76 bytes, keyID = SHA-256(name ‖ 0x0A ‖
 * 0x04 ‖ pubkey)[:4], signature over `cosignature/v1\ntime <t>\n<text>`.
 * Returns the timestamp. `publicKey` may be the private key or its public half.
 */
export function checkCosignatureBytes(line: string, name: string, publicKey: KeyObject, checkpointText: string): number {
  const prefix = `\u2014 ${name} `;
  assert.ok(line.startsWith(prefix), `the line starts with "— ${name} "`);
  const b64 = line.slice(prefix.length).replace(/\n$/, '');
  assert.match(b64, /^[A-Za-z0-9+/]+={0,2}$/);
  const blob = Buffer.from(b64, 'base64');
  assert.equal(blob.length, 76, 'key ID (4) + timestamp (8) + Ed25519 signature (64)');
  const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const raw = pub.export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x04]), raw])).digest().subarray(0, 4);
  assert.deepEqual(blob.subarray(0, 4), keyId, 'key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ pubkey)[:4]');
  const ts = blob.readBigUInt64BE(4);
  const msg = Buffer.from(`cosignature/v1\ntime ${ts}\n${checkpointText}`);
  assert.ok(verify(null, msg, pub, blob.subarray(12)), 'the Ed25519 signature verifies over cosignature/v1, time, text');
  return Number(ts);
}
