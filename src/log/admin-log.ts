/**
 * The admin audit log: a second, internal append-only Merkle log beside the
 * log itself, in which every admin request is one entry (http/admin.ts says
 * when records are written). It is an ordinary Cairn log, run by the same
 * code (LogService: sequencing, the commit routine, durability, tiles,
 * checkpoints) on a store of its own, so the operators' actions are checked
 * the way the signers' are: with its checkpoints, tiles and proofs.
 *
 * - Origin: `<host>/admin - <treeID>`, the log's key name with `/admin` and
 *   the audit log's own tree ID (kept across rotations of the log itself).
 * - Checkpoints carry one signature line: the log's note key (Ed25519,
 *   c2sp.org/signed-note key ID, the vkey of `/api/v1/log/vkey`), so Go's
 *   x/mod note and tlog verify them as they verify the log's.
 * - Entries (leaf = SHA-256(0x00 ‖ body), RFC 6962) are {@link AdminRecord}s
 *   as JSON with the keys in a fixed, sorted order and a random `nonce`
 *   (two identical requests in one millisecond are still two entries). No
 *   SETs are made: inclusion is proven by checkpoints and tiles.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LogError } from '../errors.js';
import { ed25519NoteVerifier, type NoteVerifier } from '../note/index.js';
import type { LogIdentity } from './identity.js';
import type { KeySigner, LogSigner } from './signer.js';
import type { Submission } from './types.js';

/** One admin request as the audit log records it. */
export interface AdminRecord {
  /** `refused`: not run; `authorized`: about to run; `completed`: ran, answered `status`. */
  readonly event: 'refused' | 'authorized' | 'completed';
  /** Milliseconds since the epoch (the server's clock). */
  readonly time: number;
  /** The token's name; null when the request carried no valid token (or came by signal). */
  readonly who: string | null;
  /** The client's address, or `signal` for an operation asked for by a signal (SIGHUP). */
  readonly client: string;
  /** `<METHOD> <path>` as sent, without the query (at most 512 characters of path), or `SIGHUP <what>`. */
  readonly operation: string;
  /** The answer's status; null for `authorized`. */
  readonly status: number | null;
  /** The refusal's or failure's error code (`FORBIDDEN`, `OTP_REUSED`, …); null for a success. */
  readonly reason: string | null;
  /** The request's ID (X-Request-Id); null for a signal. */
  readonly requestId: string | null;
  /**
   * Several nodes on one database: the ID of the node the client's request
   * (or the signal) reached, when another node wrote the record (the one
   * that sequences the audit log: a follower relays its records, and the
   * admin operations the sequencing node runs). Absent when the node that
   * was asked wrote it: the body then has no such key.
   */
  readonly relayedBy?: string;
}

/** The entry kind of admin records (`StoredEntry.kind`). */
export const ADMIN_RECORD_KIND = 'cairn-admin-record/v1';

/** The entry body of `record`: UTF-8 JSON, keys sorted (`relayedBy` only when set), `nonce` 16 hex digits. */
export function adminRecordBody(record: AdminRecord, nonce: Uint8Array = randomBytes(8)): Uint8Array {
  const r = record;
  const ordered = {
    client: r.client,
    event: r.event,
    nonce: Buffer.from(nonce).toString('hex'),
    operation: r.operation,
    reason: r.reason,
    ...(r.relayedBy === undefined ? {} : { relayedBy: r.relayedBy }),
    requestId: r.requestId,
    status: r.status,
    time: r.time,
    type: ADMIN_RECORD_KIND,
    who: r.who,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** The submission appending `record` to the audit log. */
export function adminRecordSubmission(record: AdminRecord, nonce?: Uint8Array): Submission {
  const body = adminRecordBody(record, nonce);
  const leafHash = createHash('sha256').update(Buffer.of(0)).update(body).digest();
  return { kind: ADMIN_RECORD_KIND, body, leafHash, searchKeys: [] };
}

/** The origin of the audit log of the log named `host`, with tree ID `treeId`. */
export function adminLogOrigin(host: string, treeId: string): string {
  return `${host}/admin - ${treeId}`;
}

/**
 * The audit log's identity, from the log's: its own tree ID and origin, and
 * one checkpoint line, the note key's (its verifier is the log's first).
 * `formerNoteKeys` verify checkpoints signed before the note key changed (a
 * rotation to a key of another type): the start-up self-check accepts the
 * latest checkpoint by any of them, and the next one is signed by the new
 * key. Private keys are left out: it signs through {@link adminLogSigner} only.
 */
export function adminLogIdentity(log: LogIdentity, treeId: string, formerNoteKeys: readonly NoteVerifier[] = []): LogIdentity {
  if (!/^[1-9][0-9]{0,18}$/.test(treeId)) throw new LogError('CORRUPT', `stored admin log tree ID ${JSON.stringify(treeId)} is not a positive 63-bit integer`);
  const verifier = ed25519NoteVerifier(log.host, log.notePublicKey, 'c2sp');
  return {
    ...log,
    treeId,
    treeIdHex: BigInt(treeId).toString(16).padStart(16, '0'),
    origin: adminLogOrigin(log.host, treeId),
    checkpointLines: [{ name: verifier.name, keyId: verifier.keyId }],
    checkpointVerifiers: [verifier, ...formerNoteKeys.filter((v) => v.name !== verifier.name || v.keyId !== verifier.keyId)],
    privateKeys: undefined,
  };
}

/** Signs the audit log's checkpoints with the note key (one line) and no SETs. */
export function adminLogSigner(noteKey: KeySigner): LogSigner {
  return {
    async sign(setPayloads, checkpoint) {
      if (setPayloads.length > 0) throw new LogError('INTERNAL', 'the admin log makes no SETs');
      const sigs = await noteKey.sign([checkpoint]);
      if (sigs.length !== 1) throw new LogError('INTERNAL', `the note key signer returned ${sigs.length} signatures for 1 message`);
      return { sets: [], checkpoint: sigs };
    },
  };
}
