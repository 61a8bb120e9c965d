/**
 * Rekor entry identifiers (rekor-v1.md §3): the UUID is the 64-hex leaf hash;
 * the entry ID is the 16-hex tree ID followed by the UUID (80 hex). Lookups
 * accept both, in either case.
 */
import { LogError } from '../errors.js';

/** Largest tree ID: a positive int64. */
const MAX_TREE_ID = (1n << 63n) - 1n;

export interface ParsedEntryId {
  /** 32-byte leaf hash. */
  readonly leafHash: Uint8Array;
  /** Lowercase 16-hex tree ID of an 80-hex ID; undefined for a bare UUID. */
  readonly treeIdHex: string | undefined;
}

/**
 * Parse a 64- or 80-hex identifier. Throws BAD_REQUEST when it is neither, or
 * when an 80-hex ID's tree ID is not a positive int64 (zero, or the top bit set).
 */
export function parseEntryId(id: string): ParsedEntryId {
  if (!/^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{80})$/.test(id)) {
    throw new LogError('BAD_REQUEST', `entry ID ${JSON.stringify(id)} is neither a 64-hex UUID nor an 80-hex entry ID`);
  }
  const lower = id.toLowerCase();
  if (lower.length === 64) return { leafHash: Buffer.from(lower, 'hex'), treeIdHex: undefined };
  const treeIdHex = lower.slice(0, 16);
  const treeId = BigInt(`0x${treeIdHex}`);
  if (treeId === 0n || treeId > MAX_TREE_ID) {
    throw new LogError('BAD_REQUEST', `entry ID ${JSON.stringify(id)} has an invalid tree ID prefix ${treeIdHex}`);
  }
  return { leafHash: Buffer.from(lower.slice(16), 'hex'), treeIdHex };
}

/** The 80-hex entry ID of a leaf in the tree `treeIdHex`. */
export function entryId(treeIdHex: string, leafHash: Uint8Array): string {
  return treeIdHex + Buffer.from(leafHash.buffer, leafHash.byteOffset, leafHash.byteLength).toString('hex');
}
