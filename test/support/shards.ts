/**
 * An oracle for logs of several trees (shards), after every rotation step:
 * global indices dense across trees, each tree's checkpoints signed by its
 * own key over its own origin, each tree's root recomputed from its entries
 * with the naive RFC 6962 tree, every checkpoint of a tree consistent with
 * its latest (a frozen tree's final one), and every entry's inclusion proof
 * verifying against its tree's checkpoint.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { LogService, identityOfShard, inlineSigner, makeIdentity, type LogServiceOptions, type TreeKeys } from '../../src/log/index.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { openNote, parseCheckpoint } from '../../src/note/index.js';
import { toAsyncStore } from '../../src/storage/index.js';
import type { LogStore } from '../../src/storage/types.js';
import { ReferenceTree } from './reference-tree.js';
import { FAST_OPTIONS, TEST_URL } from './test-log.js';

/** Re-verify every tree of `log`; throws an AssertionError naming the first broken invariant. */
export async function checkShards(log: LogService, store: LogStore): Promise<void> {
  const shards = log.shards();
  let next = 0;
  for (const shard of shards) {
    const where = `tree ${shard.ordinal} (${shard.identity.treeId})`;
    assert.equal(shard.firstIndex, next, `${where} starts where the tree before it ends`);
    const latest = shard.reader.latest();
    if (shard !== shards[shards.length - 1]) assert.equal(latest.size, shard.frozenSize, `${where}: its final checkpoint is at its frozen size`);
    const opened = openNote(latest.note, [...shard.identity.checkpointVerifiers]);
    assert.equal(opened.verifiedBy.length, 2, `${where}: both signature lines verify with its keys`);
    const cp = parseCheckpoint(opened.text);
    assert.equal(cp.origin, shard.identity.origin, `${where}: its own origin`);
    const entries = store.entriesInRange(shard.firstIndex, latest.size);
    assert.equal(entries.length, latest.size, `${where}: all ${latest.size} entries stored`);
    entries.forEach((e, i) => {
      assert.equal(e.index, shard.firstIndex + i, `${where}: global indices dense`);
      assert.deepEqual(Buffer.from(leafHash(e.body)), Buffer.from(e.leafHash));
    });
    const tree = ReferenceTree.fromLeafHashes(entries.map((e) => e.leafHash));
    assert.deepEqual(Buffer.from(tree.root()), Buffer.from(latest.root), `${where}: root recomputed from its entries`);
    for (const old of await shard.reader.listCheckpoints(0, 1_000_000)) {
      const proof = await shard.reader.consistencyProof(old.size, latest.size);
      verifyConsistency(old.size, latest.size, old.root, latest.root, proof);
      openNote(old.note, [...shard.identity.checkpointVerifiers]);
    }
    for (const e of entries.filter((_, i) => i % 7 === 0 || i === entries.length - 1)) {
      const found = await log.entryByIndex(e.index);
      assert.equal(found?.shard.identity.treeId, shard.identity.treeId, `${where}: entry ${e.index} is found in its tree`);
      const leaf = e.index - shard.firstIndex;
      verifyInclusion(leaf, latest.size, e.leafHash, await shard.reader.inclusionProof(leaf, latest.size), latest.root);
    }
    next = shard.firstIndex + latest.size;
  }
  assert.equal(store.entryByIndex(next), undefined, 'no entry beyond the active tree');
}

/** Staged keys for a test rotation: an Ed25519 key (its own note key), signing on the event loop. */
export function stagedKeys(logKey: KeyObject, noteKey?: KeyObject): TreeKeys {
  return { logKey, noteKey, signer: inlineSigner(logKey, noteKey) };
}

/**
 * Reopen the log on `store` as a restart would: the active tree's identity
 * from its recorded keys (`keys`: the private keys of the active tree).
 */
export function reopenShardedLog(
  store: LogStore,
  keys: { log: KeyObject; note?: KeyObject },
  opts: Partial<LogServiceOptions> = {},
  clock = new ManualClock(),
): Promise<LogService> {
  const rows = store.shards?.() ?? [];
  const active = rows[rows.length - 1];
  assert.ok(active, 'the store records its trees');
  const identity = makeIdentity(keys.log, active.treeId, TEST_URL, keys.note);
  assert.equal(identity.publicKeyPem, identityOfShard(active, TEST_URL).publicKeyPem, 'the given key is the active tree\'s');
  return LogService.open(toAsyncStore(store), identity, clock, { ...FAST_OPTIONS, ...opts });
}
