/**
 * A test log on an in-memory (or file) SQLite store with a fixed key, a
 * manual clock, and `checkLog()`: an invariant oracle that re-verifies the
 * whole log after each step (signatures, root recomputed from the entries
 * with a naive RFC 6962 tree, every checkpoint consistent with the latest,
 * tiles equal to the entries' leaf hashes), for what is committed and for
 * what is published, which is never beyond it.
 */
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { LogService, makeIdentity, type LogIdentity, type LogKeyType, type LogServiceOptions, type Submission } from '../../src/log/index.js';
import { RightEdge, TILE_WIDTH, c2spTileBytes, leafHash, verifyConsistency } from '../../src/merkle/index.js';
import { openNote, parseCheckpoint } from '../../src/note/index.js';
import { openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import type { LogStore } from '../../src/storage/types.js';
import { ReferenceTree } from './reference-tree.js';

/** A fixed Ed25519 key (PKCS#8 of a constant seed) so tests are reproducible. */
export function testKey(seedByte = 7): KeyObject {
  const seed = Buffer.alloc(32, seedByte);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** A fixed ECDSA P-256 key (private scalar 0x0101…01 + `seedByte`), for logs with an ECDSA log key. */
export function testEcdsaKey(seedByte = 1): KeyObject {
  const ecdh = createECDH('prime256v1');
  const d = Buffer.alloc(32, seedByte);
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const b64 = (b: Buffer): string => b.toString('base64url');
  return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33)) }, format: 'jwk' });
}

/** The identity of a test log whose log key is of `type` (ECDSA logs get the Ed25519 note key testKey(8)). */
export function testIdentity(type: LogKeyType = 'ed25519', url = TEST_URL): LogIdentity {
  return type === 'ed25519' ? makeIdentity(testKey(), TEST_TREE_ID, url) : makeIdentity(testEcdsaKey(), TEST_TREE_ID, url, testKey(8));
}

export const TEST_TREE_ID = '1234567890123456789';
export const TEST_URL = 'http://127.0.0.1:3000';

export const FAST_OPTIONS: LogServiceOptions = {
  batchMaxSize: 64,
  batchMaxAgeMs: 0,
  poolMaxSize: 10_000,
  signEntryTimestamps: true,
  tileCacheSize: 64,
};

export interface TestLog {
  store: LogStore;
  log: LogService;
  identity: LogIdentity;
  clock: ManualClock;
  reopen(store?: LogStore): Promise<TestLog>;
}

export async function openTestLog(
  store: LogStore = openSqliteStore({ path: ':memory:' }),
  opts: Partial<LogServiceOptions> = {},
  clock = new ManualClock(),
  keyType: LogKeyType = 'ed25519',
): Promise<TestLog> {
  const identity = testIdentity(keyType);
  const log = await LogService.open(toAsyncStore(store), identity, clock, { ...FAST_OPTIONS, ...opts });
  return {
    store,
    log,
    identity,
    clock,
    reopen: (s = store) => openTestLog(s, opts, clock, keyType),
  };
}

/** A raw submission whose body is the given text. */
export function rawEntry(text: string, searchKeys: string[] = []): Submission {
  const body = Buffer.from(text);
  return { kind: 'raw', body, leafHash: leafHash(body), searchKeys };
}

/** `n` more entries tagged `tag`, submitted at once, each with two search keys (`sha256:<tag><i>`, one of 5 emails). */
export async function submitTagged(t: TestLog, n: number, tag: string): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => t.log.submit(rawEntry(`${tag} ${i}`, [`sha256:${tag}${i}`, `email:${i % 5}@example.com`]))));
}

/** Pin the log's identity as `cairn serve` does (open-log.ts): its origin, note key and log ID in the store's meta rows. */
export function pinIdentity(t: TestLog): void {
  t.store.setMeta('origin', t.identity.origin);
  t.store.setMeta('vkey', t.identity.vkey);
  t.store.setMeta('logId', t.identity.logId);
}

/** Re-verify the whole log; throws an AssertionError describing the first broken invariant. */
export async function checkLog(t: TestLog): Promise<void> {
  const latest = t.store.latestCheckpoint();
  assert.ok(latest, 'a log always has a checkpoint');
  const opened = openNote(latest.note, [...t.identity.checkpointVerifiers]);
  assert.equal(opened.verifiedBy.length, 2, 'both signatures (C2SP key ID and Rekor key hint) verify');
  const cp = parseCheckpoint(opened.text);
  assert.equal(cp.origin, t.identity.origin);
  assert.equal(cp.size, latest.size);
  assert.deepEqual(Buffer.from(cp.root), Buffer.from(latest.root));

  const entries = t.store.entriesInRange(0, latest.size + 1);
  assert.equal(entries.length, latest.size, 'exactly checkpoint-size entries are stored');
  const leaves = entries.map((e, i) => {
    assert.equal(e.index, i, 'indices are dense');
    assert.deepEqual(Buffer.from(leafHash(e.body)), Buffer.from(e.leafHash), `entry ${i} hashes to its leaf hash`);
    return e.leafHash;
  });
  assert.deepEqual(Buffer.from(ReferenceTree.fromLeafHashes(leaves).root()), Buffer.from(latest.root), 'root recomputed from entries');
  const fromTiles = RightEdge.fromTiles(latest.size, (l, i) => t.store.tile(l, i)).root();
  assert.deepEqual(Buffer.from(fromTiles), Buffer.from(latest.root), 'root recomputed from stored tiles');

  // What readers see: the published checkpoint, never beyond what is committed (pipelined batches may be committed, not yet published).
  const published = t.log.reader.latest();
  assert.ok(published.size <= latest.size, `published size ${published.size} ≤ committed size ${latest.size}`);
  assert.deepEqual(Buffer.from(t.store.checkpointAt(published.size)?.root ?? []), Buffer.from(published.root), 'the published checkpoint is stored');
  assert.deepEqual(Buffer.from(ReferenceTree.fromLeafHashes(leaves.slice(0, published.size)).root()), Buffer.from(published.root), 'published root recomputed from entries');
  assert.deepEqual(Buffer.from(await t.log.reader.rootAt(published.size)), Buffer.from(published.root), 'published root recomputed by the reader');

  for (let n = 0; n * TILE_WIDTH < latest.size; n++) {
    const w = Math.min(TILE_WIDTH, latest.size - n * TILE_WIDTH);
    const tile = t.store.tile(0, n);
    assert.ok(tile && tile.width >= w, `level-0 tile ${n} is stored with width ≥ ${w}`);
    assert.deepEqual(Buffer.from(c2spTileBytes(tile, w)), Buffer.concat(leaves.slice(n * TILE_WIDTH, n * TILE_WIDTH + w)));
  }

  for (const old of t.store.listCheckpoints(0, 1_000_000)) {
    if (old.size > published.size) continue;
    const proof = await t.log.reader.consistencyProof(old.size, published.size);
    verifyConsistency(old.size, published.size, old.root, published.root, proof);
  }
}

/** A LogStore forwarding every call to `inner` except the given overrides (for fault and tamper tests). */
export function wrapStore(inner: LogStore, overrides: Partial<LogStore>): LogStore {
  const methods: Array<keyof LogStore> = [
    'appendBatch', 'latestCheckpoint', 'checkpointAt', 'listCheckpoints', 'addCosignature', 'cosignatures',
    'entryByIndex', 'entriesInRange', 'entryByLeafHash', 'indexOfLeafHash', 'searchKey', 'tile', 'getMeta',
    'setMeta', 'sizeOnDisk', 'close', 'leafGroup', 'sync', 'writeBarrier', 'shards', 'addFirstShard', 'rotate', 'freeze',
    'frozenTree',
  ];
  const out: Record<string, unknown> = {};
  for (const m of methods) {
    const o = overrides[m];
    const own = inner[m] as ((...a: unknown[]) => unknown) | undefined;
    out[m] = o ?? own?.bind(inner);
  }
  return out as unknown as LogStore;
}
