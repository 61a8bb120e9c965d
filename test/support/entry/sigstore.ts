/**
 * @sigstore/verify's own transparency-log body checks (packages/verify/src/tlog),
 * run on Cairn's canonical bodies: a bundle carrying this body must pass them.
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { DSSESignatureContent } from '@sigstore/verify/dist/bundle/dsse.js';
import { MessageSignatureContent } from '@sigstore/verify/dist/bundle/message.js';
import { verifyTLogBody } from '@sigstore/verify/dist/tlog/index.js';
import type { PreparedEntry } from '../../../src/entry/index.js';

function tlogEntry(prepared: PreparedEntry): TransparencyLogEntry {
  const [kind, version] = prepared.kind.split('/') as [string, string];
  return { kindVersion: { kind, version }, canonicalizedBody: Buffer.from(prepared.body) } as unknown as TransparencyLogEntry;
}

/** Throws (a sigstore VerificationError) unless the body matches a message signature over `digest`. */
export function sigstoreCheckMessage(prepared: PreparedEntry, signature: Buffer, digest: Buffer, artifact: Buffer): void {
  const content = new MessageSignatureContent({ signature, messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest } }, artifact);
  verifyTLogBody(tlogEntry(prepared), content);
}

/** Throws unless the body matches a DSSE bundle envelope with this payload and first signature. */
export function sigstoreCheckDsse(prepared: PreparedEntry, payloadType: string, payload: Buffer, sig: Buffer): void {
  const content = new DSSESignatureContent({ payloadType, payload, signatures: [{ keyid: '', sig }] });
  verifyTLogBody(tlogEntry(prepared), content);
}
