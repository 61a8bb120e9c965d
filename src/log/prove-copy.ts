/**
 * Proving a copy of a log (`cairn check`, `cairn restore`): the stored tree
 * is rehashed whole (verify-stored.ts: every entry, tile and stored
 * checkpoint root), its root is the root of the latest stored checkpoint,
 * and that checkpoint is signed by the keys the log pinned at its first start
 * (meta `vkey`, `logId`, `origin`):
 *
 * - the C2SP line by the note key, whose verifier key is pinned whole;
 * - the Rekor line by the log key, whose SHA-256 (the logID) is pinned:
 *   checked with the public key of an Ed25519 log (its own note key), or
 *   with `logPublicKey` (read from the log key file) when given and its
 *   logID is the pinned one; otherwise (another key, no logID pinned: the
 *   admin log) reported as not checked.
 *
 * After a rotation the active tree is checked against the keys its tree row
 * records, and every frozen tree is rehashed up to its final checkpoint,
 * signed by its own keys.
 *
 * So a copy that passes is a tree the log signed, whole and unaltered.
 */
import type { KeyObject } from 'node:crypto';
import { LogError, describeError } from '../errors.js';
import {
  ed25519PublicKeyFromBytes,
  logIdOf,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVkey,
  rekorNoteVerifier,
  spkiDer,
} from '../note/index.js';
import type { AsyncLogStore } from '../storage/index.js';
import { identityOfShard } from './shard.js';
import { verifyStoredLog, type StoredLogSummary } from './verify-stored.js';

export interface CopyProof {
  readonly treeSize: number;
  /** Hex root of the latest checkpoint, recomputed from the stored tree. */
  readonly root: string;
  /** The latest checkpoint's signed note, as stored. */
  readonly checkpoint: string;
  readonly origin: string;
  /** The pinned logID; undefined for a log that pins none (the admin log). */
  readonly logId: string | undefined;
  readonly vkey: string;
  /** Which signature lines verified: the note key's always (else the proof fails); the log key's when it could be checked. */
  readonly signatures: { readonly noteKey: 'verified'; readonly logKey: 'verified' | 'not checked' };
  /** Why the log key's line was not checked, when it was not. */
  readonly logKeyNote?: string;
  readonly rehashed: StoredLogSummary;
}

/** Throws LogError CORRUPT naming what does not match. */
export async function proveStoredLog(store: AsyncLogStore, logPublicKey?: KeyObject): Promise<CopyProof> {
  const latest = await store.latestCheckpoint();
  if (latest === undefined) throw corrupt('no checkpoint is stored');
  const { vkey, logId, origin, firstIndex } = await activePins(store);
  let text: string;
  try {
    text = openNote(latest.note, [parseVkey(vkey)]).text;
  } catch (err) {
    throw corrupt(`the latest checkpoint (size ${latest.size}) is not signed by the pinned note key ${vkey}: ${describeError(err)}`);
  }
  const cp = parseCheckpoint(text);
  if (cp.origin !== origin) throw corrupt(`the latest checkpoint's origin ${JSON.stringify(cp.origin)} is not the pinned ${JSON.stringify(origin)}`);
  if (cp.size !== latest.size || Buffer.compare(cp.root, latest.root) !== 0) {
    throw corrupt(`the latest checkpoint's signed text (size ${cp.size}) disagrees with its stored size ${latest.size} or root`);
  }
  const log = logKeyCheck(latest.note, vkey, logId, logPublicKey);
  const rehashed = await verifyStoredLog(store, latest, undefined, firstIndex);
  const frozen = await frozenTrees(store);
  return {
    treeSize: latest.size,
    root: Buffer.from(latest.root).toString('hex'),
    checkpoint: latest.note,
    origin,
    logId,
    vkey,
    signatures: { noteKey: 'verified', logKey: log.verified ? 'verified' : 'not checked' },
    ...(log.why === undefined ? {} : { logKeyNote: log.why }),
    rehashed: { entries: rehashed.entries + frozen.entries, tiles: rehashed.tiles + frozen.tiles, checkpoints: rehashed.checkpoints + frozen.checkpoints },
  };
}

/**
 * What the active tree must be signed with: the log's first pins while it
 * has one tree; after a rotation, the keys its tree row records (its note
 * key's vkey, its log key's logID) and the origin `<pinned host> - <its tree ID>`.
 */
async function activePins(store: AsyncLogStore): Promise<{ vkey: string; logId: string | undefined; origin: string; firstIndex: number }> {
  const rows = (await store.shards?.()) ?? [];
  const active = rows[rows.length - 1];
  const first = { vkey: await pinned(store, 'vkey'), logId: await store.getMeta('logId'), origin: await pinned(store, 'origin') };
  if (active === undefined || active.ordinal === 0) return { ...first, firstIndex: 0 };
  const identity = identityOfShard(active, `http://${first.origin.slice(0, first.origin.lastIndexOf(' - '))}`);
  return { vkey: identity.vkey, logId: identity.logId, origin: identity.origin, firstIndex: active.firstIndex };
}

/** Every frozen tree rehashed up to its final checkpoint, which its own keys MUST have signed. */
async function frozenTrees(store: AsyncLogStore): Promise<StoredLogSummary> {
  const sum = { entries: 0, tiles: 0, checkpoints: 0 };
  const rows = (await store.shards?.()) ?? [];
  const host = await pinned(store, 'origin');
  for (const row of rows.slice(0, -1)) {
    const tree = await store.frozenTree?.(row.ordinal);
    const final = await tree?.checkpointAt(row.frozenSize ?? -1);
    if (tree === undefined || final === undefined) throw corrupt(`the final checkpoint of frozen tree ${row.treeId} is missing`);
    const identity = identityOfShard(row, `http://${host.slice(0, host.lastIndexOf(' - '))}`);
    try {
      openNote(final.note, [...identity.checkpointVerifiers]);
    } catch (err) {
      throw corrupt(`the final checkpoint of frozen tree ${row.treeId} is not signed by its keys: ${describeError(err)}`);
    }
    const s = await verifyStoredLog(tree, final, undefined, row.firstIndex);
    sum.entries += s.entries;
    sum.tiles += s.tiles;
    sum.checkpoints += s.checkpoints;
  }
  return sum;
}

/** The Rekor line by the log key, when its public key is at hand (see the module comment). */
function logKeyCheck(note: string, vkey: string, logId: string | undefined, given: KeyObject | undefined): { verified: boolean; why?: string } {
  if (logId === undefined) return { verified: false, why: 'this log pins no logID: its note key signs alone' };
  const fromVkey = ed25519PublicKeyFromBytes(Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1));
  let key: KeyObject | undefined;
  if (logIdOf(spkiDer(fromVkey)) === logId) key = fromVkey;
  else if (given !== undefined && logIdOf(spkiDer(given)) === logId) key = given;
  if (key === undefined) {
    const why = given === undefined ? 'an ECDSA log key: give its key file (--key-file) to check its line' : `the key file's logID is ${logIdOf(spkiDer(given))}, not the pinned ${logId}`;
    return { verified: false, why };
  }
  const name = parseNote(note).signatures[0]?.name ?? '';
  try {
    openNote(note, [rekorNoteVerifier(name, key)]);
  } catch (err) {
    throw corrupt(`the latest checkpoint's line by the log key (logID ${logId}) does not verify: ${describeError(err)}`);
  }
  return { verified: true };
}

async function pinned(store: AsyncLogStore, key: string): Promise<string> {
  const v = await store.getMeta(key);
  if (v === undefined) throw corrupt(`the log's pinned ${key} is missing`);
  return v;
}

function corrupt(what: string): LogError {
  return new LogError('CORRUPT', `the stored log does not prove out: ${what}`);
}
