/**
 * Rekor `LogEntry` responses (rekor-v1.md §1, §4): an object with one key,
 * the 80-hex entry ID, whose value holds the base64 canonical body, the
 * integrated time, logID, global logIndex, and `verification` with the
 * inclusion proof against a signed checkpoint and the stored SET.
 */
import type { LogReader, LogService } from '../log/index.js';
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
 * The LogEntry of `entry` with an inclusion proof against `checkpoint`, which
 * MUST be published and include the entry (index < checkpoint.size). Proof
 * sizes need not be the latest: the reader proves against any published size.
 */
export function logEntryJson(log: LogService, entry: EntryFacts, checkpoint: Checkpoint): Record<string, LogEntryJson> {
  const hashes = log.reader.inclusionProof(entry.index, checkpoint.size);
  const value: LogEntryJson = {
    body: b64(entry.body),
    integratedTime: entry.integratedTime,
    logID: log.identity.logId,
    logIndex: entry.index,
    verification: {
      inclusionProof: {
        // One shard: the shard-local index is the global index.
        logIndex: entry.index,
        rootHash: hex(checkpoint.root),
        treeSize: checkpoint.size,
        hashes: hashes.map(hex),
        checkpoint: checkpoint.note,
      },
    },
  };
  if (entry.set.length > 0) value.verification.signedEntryTimestamp = b64(entry.set);
  return { [entryId(log.identity.treeIdHex, entry.leafHash)]: value };
}

/** The LogEntry of a published entry, proven against the latest checkpoint. */
export function currentLogEntryJson(log: LogService, entry: EntryFacts): Record<string, LogEntryJson> {
  return logEntryJson(log, entry, log.reader.latest());
}
