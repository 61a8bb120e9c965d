/**
 * The answer to a Rekor v2 submission (rekor-tiles CreateEntry): 201 with the
 * protobuf JSON of sigstore's `TransparencyLogEntry` (protobuf-specs
 * rekor/v1/sigstore_rekor.proto) once the entry is durably committed and
 * published: `logIndex`, `logId.keyId` (SHA-256 of the log key's SPKI, the
 * ID the trusted root names), `kindVersion`, `integratedTime` "0" and no
 * `inclusionPromise` (Rekor v2 signs no SETs), the `inclusionProof` against
 * the checkpoint that first includes the entry (the checkpoint's signed note
 * in `checkpoint.envelope`), and `canonicalizedBody`. 64-bit integers are
 * decimal strings and bytes standard base64, as protobuf JSON has them.
 */
import type { PreparedEntry } from '../entry/index.js';
import { LogError, isLogError } from '../errors.js';
import type { LogService, Sequenced } from '../log/index.js';
import type { Reply } from './reply.js';

export const V2_ENTRIES_PATH = '/api/v2/log/entries';

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Submit `prepared` to the v2 log and build its 201; DUPLICATE (details.existingIndex) and the log's other LogErrors reject. */
export async function submitRekorV2(log: LogService, prepared: PreparedEntry): Promise<Reply> {
  let seq: Sequenced;
  try {
    seq = await log.submit({ kind: prepared.kind, body: prepared.body, leafHash: prepared.leafHash, searchKeys: prepared.searchKeys });
  } catch (err) {
    if (!isLogError(err, 'DUPLICATE')) throw err;
    const existing = err.details?.['existingIndex'];
    throw new LogError('DUPLICATE', `an equivalent entry already exists in the transparency log${typeof existing === 'number' ? ` at index ${existing}` : ''}`, {
      details: { ...(typeof existing === 'number' ? { existingIndex: existing } : {}) },
    });
  }
  return {
    status: 201,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(await transparencyLogEntry(log, prepared, seq)),
  };
}

/** The TransparencyLogEntry of a v2 entry sequenced as `seq` (see the module comment). */
export async function transparencyLogEntry(log: LogService, prepared: PreparedEntry, seq: Sequenced): Promise<Record<string, unknown>> {
  const slash = prepared.kind.indexOf('/');
  const cp = seq.checkpoint;
  return {
    logIndex: String(seq.index),
    logId: { keyId: Buffer.from(log.identity.logId, 'hex').toString('base64') },
    kindVersion: { kind: prepared.kind.slice(0, slash), version: prepared.kind.slice(slash + 1) },
    integratedTime: '0',
    inclusionPromise: null,
    inclusionProof: {
      logIndex: String(seq.index),
      rootHash: b64(cp.root),
      treeSize: String(cp.size),
      hashes: (await log.reader.inclusionProof(seq.index, cp.size)).map(b64),
      checkpoint: { envelope: cp.note },
    },
    canonicalizedBody: b64(prepared.body),
  };
}
