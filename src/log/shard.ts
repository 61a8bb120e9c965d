/**
 * A tree (shard) of the log as the rest of the process sees it: its identity
 * (tree ID, keys, origin), where its entries start in the global index, its
 * reader, and whether it is frozen. The log is a sequence of shards, oldest
 * first; only the last one, the active one, takes writes (Rekor v1's
 * sharding: rekor-v1.md §7, with the global "virtual" index).
 */
import { createPublicKey } from 'node:crypto';
import type { ShardRow } from '../storage/types.js';
import { makeIdentity, type LogIdentity } from './identity.js';
import type { LogReader } from './reader.js';

export interface Shard {
  /** 0, 1, 2, … in order of creation. */
  readonly ordinal: number;
  readonly identity: LogIdentity;
  /** Global index of its first entry: the sum of the sizes of the shards before it. */
  readonly firstIndex: number;
  /** Reads at its published sizes (its final checkpoint once frozen). */
  readonly reader: LogReader;
  /** When its size-0 checkpoint was signed (ms): its key's window starts there. */
  readonly createdMs: number;
  /** Final size of a frozen shard; undefined for the active one. */
  readonly frozenSize: number | undefined;
  /** When it was frozen (ms); its key's window ends there unless the next shard has the same key. */
  readonly frozenMs: number | undefined;
}

/** The public identity of a recorded tree (no private keys: a frozen tree signs nothing more). */
export function identityOfShard(row: ShardRow, publicUrl: string): LogIdentity {
  const logKey = createPublicKey(row.publicKeyPem);
  const noteKey = row.noteKeyPem === undefined ? undefined : createPublicKey(row.noteKeyPem);
  return makeIdentity(logKey, row.treeId, publicUrl, noteKey);
}

/** The shard row fields that describe an identity's keys. */
export function shardKeys(identity: LogIdentity): Pick<ShardRow, 'treeId' | 'publicKeyPem' | 'noteKeyPem'> {
  const note = identity.keyType === 'ed25519' ? undefined : identity.notePublicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { treeId: identity.treeId, publicKeyPem: identity.publicKeyPem, noteKeyPem: note };
}
