/**
 * Rekor `LogEntry` responses (rekor-v1.md §1, §4): an object with one key,
 * the 80-hex entry ID, whose value holds the base64 canonical body, the
 * integrated time, logID, global logIndex, and `verification` with the
 * inclusion proof against a signed checkpoint and the stored SET.
 */
import type { LogReader, Shard } from '../log/index.js';
import { entryId } from './entry-id.js';

type Checkpoint = ReturnType<LogReader['latest']>;

/** The facts of one committed entry (a stored entry, or a submission with its Sequenced answer). */
export interface EntryFacts {
  readonly index: number;
  readonly leafHash: Uint8Array;
  readonly body: Uint8Array;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** SET signature bytes; empty when the log makes none. */
  readonly set: Uint8Array;
}

export interface InclusionProofJson {
  logIndex: number;
  rootHash: string;
  treeSize: number;
  hashes: string[];
  checkpoint: string;
}

export interface LogEntryJson {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { inclusionProof: InclusionProofJson; signedEntryTimestamp?: string };
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/**
 * `"h0","h1",…`: the hashes as JSON strings of lowercase hex, for the
 * proof's `hashes` array. One hex conversion of all the hashes copied into
 * one buffer, then cut into 64-character strings: a conversion per hash
 * costs a Buffer and a call each, a noticeable share of an entry read.
 */
function hexList(hashes: readonly Uint8Array[]): string {
  if (hashes.length === 0) return '';
  let total = 0;
  for (const h of hashes) total += h.length;
  const joined = Buffer.allocUnsafe(total);
  let off = 0;
  for (const h of hashes) {
    joined.set(h, off);
    off += h.length;
  }
  const all = joined.toString('hex');
  let out = '';
  let at = 0;
  for (const h of hashes) {
    out += (at === 0 ? '"' : '","') + all.slice(at, at + 2 * h.length);
    at += 2 * h.length;
  }
  return `${out}"`;
}

/** JSON text of the checkpoint-dependent fields, cached for the last checkpoint asked for (they repeat per request). */
let cachedFragment: { size: number; note: string; text: string } | undefined;

function checkpointFragment(checkpoint: Checkpoint): string {
  if (cachedFragment?.size !== checkpoint.size || cachedFragment.note !== checkpoint.note) {
    const text = `"rootHash":"${hex(checkpoint.root)}","treeSize":${checkpoint.size},"checkpoint":${JSON.stringify(checkpoint.note)}`;
    cachedFragment = { size: checkpoint.size, note: checkpoint.note, text };
  }
  return cachedFragment.text;
}

/**
 * The JSON text of the LogEntry of `entry` in tree `shard` with an inclusion
 * proof against `checkpoint`, one of that tree's, which MUST be published and
 * include the entry. `logIndex` is the global index (Rekor's virtual index),
 * the proof's `logIndex` the index in the tree (rekor-v1.md §1, §7); entry
 * ID and logID are the tree's. Proof sizes need not be the latest: the reader
 * proves against any published size. Built as text because every value is a
 * number, hex, base64 or a pre-serialised string: the same bytes
 * JSON.stringify of the LogEntryJson object would give, without building it.
 */
export async function logEntryText(shard: Shard, entry: EntryFacts, checkpoint: Checkpoint): Promise<string> {
  const leaf = entry.index - shard.firstIndex;
  const hashes = await shard.reader.inclusionProof(leaf, checkpoint.size);
  const set = entry.set.length > 0 ? `,"signedEntryTimestamp":"${b64(entry.set)}"` : '';
  return (
    `{"${entryId(shard.identity.treeIdHex, entry.leafHash)}":{"body":"${b64(entry.body)}","integratedTime":${entry.integratedTime},` +
    `"logID":"${shard.identity.logId}","logIndex":${entry.index},"verification":{"inclusionProof":{"logIndex":${leaf},` +
    `${checkpointFragment(checkpoint)},"hashes":[${hexList(hashes)}]}${set}}}}`
  );
}

/** The LogEntry text of a published entry of `shard`, proven against its latest checkpoint (a frozen tree's final one). */
export function currentLogEntryText(shard: Shard, entry: EntryFacts): Promise<string> {
  return logEntryText(shard, entry, shard.reader.latest());
}
