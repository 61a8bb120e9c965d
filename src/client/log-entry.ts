/**
 * Parsing a Rekor v1 `LogEntry` answer (rekor-v1.md §1 "Schemas"): an object
 * with one key, the 64- or 80-hex entry ID, whose value holds the base64
 * canonical body, integratedTime, logID, the global logIndex and
 * `verification` (SET, inclusion proof with hex hashes and a checkpoint).
 *
 * The answer is attacker-controlled: the parser checks shapes, lengths and
 * that the entry ID names the body's leaf hash, and fails with
 * LOG_RESPONSE_INVALID; it proves nothing about the log's signatures, which
 * are checked against the configured log key by the verification functions.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { LogError } from '../errors.js';
import { fromBase64, fromHex, toHex } from './bytes.js';

/** An inclusion proof as the log sent it (not yet verified). */
export interface RekorInclusionProof {
  /** Shard-local leaf index. */
  readonly logIndex: number;
  readonly rootHash: Uint8Array;
  readonly treeSize: number;
  /** Audit path, leaf to root. */
  readonly hashes: readonly Uint8Array[];
  /** The signed note of the checkpoint the proof is against. */
  readonly checkpoint: string;
}

/** One log entry as the log sent it (not yet verified). */
export interface RekorEntry {
  /** The entry ID as given (64 or 80 hex, lowercase). */
  readonly entryId: string;
  /** The UUID: hex leaf hash SHA-256(0x00 ‖ body), the last 64 hex of the entry ID. */
  readonly uuid: string;
  /** Canonical entry body bytes. */
  readonly body: Uint8Array;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** Hex SHA-256 of the log key's DER SPKI. */
  readonly logId: string;
  /** The global index. */
  readonly logIndex: number;
  readonly signedEntryTimestamp: Uint8Array | undefined;
  readonly inclusionProof: RekorInclusionProof | undefined;
}

const ENTRY_ID = /^(?:[0-9a-f]{16})?[0-9a-f]{64}$/;

/** The leaf hash of an entry body (RFC 6962 §2.1): SHA-256(0x00 ‖ body). */
export function leafHashOfBody(body: Uint8Array): Uint8Array {
  const buf = new Uint8Array(body.length + 1);
  buf.set(body, 1);
  return sha256(buf);
}

/** Parses the JSON text of a LogEntry holding exactly one entry. Throws LOG_RESPONSE_INVALID. */
export function parseLogEntry(text: string, source: string): RekorEntry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(source, 'not JSON');
  }
  if (!isObject(json)) throw invalid(source, 'not a JSON object');
  const keys = Object.keys(json);
  if (keys.length !== 1) throw invalid(source, `expected one entry, got ${keys.length}`);
  const entryId = (keys[0] ?? '').toLowerCase();
  if (!ENTRY_ID.test(entryId)) throw invalid(source, 'the entry ID is not 64 or 80 hex');
  const v = json[keys[0] ?? ''];
  if (!isObject(v)) throw invalid(source, 'the entry is not an object');
  const body = fromBase64(str(v, 'body', source));
  if (body === undefined || body.length === 0) throw invalid(source, 'body is not base64');
  const uuid = entryId.slice(-64);
  if (toHex(leafHashOfBody(body)) !== uuid) throw invalid(source, 'the entry ID does not name the leaf hash of the body');
  const verification = v['verification'];
  if (verification !== undefined && !isObject(verification)) throw invalid(source, 'verification is not an object');
  const setText = verification?.['signedEntryTimestamp'];
  const set = setText === undefined ? undefined : fromBase64(String(setText));
  if (setText !== undefined && (typeof setText !== 'string' || set === undefined)) throw invalid(source, 'signedEntryTimestamp is not base64');
  const logId = str(v, 'logID', source).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(logId)) throw invalid(source, 'logID is not 64 hex');
  return {
    entryId,
    uuid,
    body,
    integratedTime: int(v, 'integratedTime', source),
    logId,
    logIndex: int(v, 'logIndex', source),
    signedEntryTimestamp: set,
    inclusionProof: verification?.['inclusionProof'] === undefined ? undefined : parseProof(verification['inclusionProof'], source),
  };
}

function parseProof(p: unknown, source: string): RekorInclusionProof {
  if (!isObject(p)) throw invalid(source, 'inclusionProof is not an object');
  const rootHash = fromHex(str(p, 'rootHash', source));
  if (rootHash?.length !== 32) throw invalid(source, 'inclusionProof.rootHash is not 32 bytes of hex');
  const list = p['hashes'];
  if (!Array.isArray(list) || list.length > 64) throw invalid(source, 'inclusionProof.hashes is not a list of at most 64 hashes');
  const hashes = list.map((h) => {
    const b = typeof h === 'string' ? fromHex(h) : undefined;
    if (b?.length !== 32) throw invalid(source, 'an inclusionProof hash is not 32 bytes of hex');
    return b;
  });
  return {
    logIndex: int(p, 'logIndex', source),
    rootHash,
    treeSize: int(p, 'treeSize', source),
    hashes,
    checkpoint: str(p, 'checkpoint', source),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, source: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw invalid(source, `${key} is not a string`);
  return v;
}

function int(o: Record<string, unknown>, key: string, source: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(source, `${key} is not a non-negative integer`);
  return v;
}

function invalid(source: string, why: string): LogError<'LOG_RESPONSE_INVALID'> {
  return new LogError('LOG_RESPONSE_INVALID', `couldn't read the log entry from ${source}: ${why}`);
}
