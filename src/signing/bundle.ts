/**
 * Sigstore bundle v0.3 JSON (protobuf-specs `sigstore_bundle.proto`,
 * oci-signatures.md §5), written as protojson: int64 as decimal strings,
 * bytes as standard base64, empty and zero fields omitted. Built from a log
 * entry (e.g. a Rekor v1 response read by the client library's RekorClient), the DSSE
 * envelope or message signature, and the signer's public-key hint.
 */
import { createHash } from 'node:crypto';
import { bad, asRecord, get, parseJson, toB64 } from './json.js';
import { BUNDLE_V03_MEDIA_TYPE } from './media-types.js';
import { envelopeProtoJson, type DsseEnvelope } from './dsse-envelope.js';
import type { TlogEntry } from './tlog-entry.js';

/** What a bundle signs: a DSSE envelope, or a signature over an artifact's SHA-256 digest. */
export type BundleContent =
  | { readonly dsseEnvelope: DsseEnvelope }
  | { readonly messageSignature: { readonly sha256: Uint8Array; readonly signature: Uint8Array } };

/** The inputs of a v0.3 bundle for a key-based signer. */
export interface BundleInput {
  /** The log entry; v0.3 needs its inclusion proof, the SET is included when present. */
  readonly entry: TlogEntry;
  readonly content: BundleContent;
  /** `verificationMaterial.publicKey.hint` (see publicKeyHint). */
  readonly publicKeyHint: string;
}

/** cosign's public-key hint: standard base64 of SHA-256 of the key's DER SPKI (oci-signatures.md §5 "Key hint"). */
export function publicKeyHint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('base64');
}

/** `kind` and `apiVersion` of a canonical body (attacker-controlled bytes). Throws ARTIFACT_INVALID. */
export function bodyKind(body: Uint8Array): { kind: string; version: string } {
  const obj = asRecord(parseJson(body, 'canonicalized body'), 'canonicalized body');
  const kind = get(obj, 'kind');
  const version = get(obj, 'apiVersion');
  if (typeof kind !== 'string' || typeof version !== 'string') throw bad('canonicalized body', 'no kind and apiVersion');
  return { kind, version };
}

/**
 * The bundle as a protojson object (serialize with JSON.stringify). Throws
 * ARTIFACT_INVALID when the entry has no inclusion proof (v0.3 requires one)
 * or its body names no kind.
 */
export function buildBundle(input: BundleInput): Record<string, unknown> {
  const { entry } = input;
  if (entry.inclusionProof === undefined) throw bad('entry', 'a v0.3 bundle needs the inclusion proof');
  const content =
    'dsseEnvelope' in input.content
      ? { dsseEnvelope: envelopeProtoJson(input.content.dsseEnvelope) }
      : {
          messageSignature: {
            messageDigest: { algorithm: 'SHA2_256', digest: toB64(input.content.messageSignature.sha256) },
            signature: toB64(input.content.messageSignature.signature),
          },
        };
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint: input.publicKeyHint },
      tlogEntries: [tlogEntryJson(entry)],
    },
    ...content,
  };
}

/** The bundle's bytes as stored in a registry blob or a `.sigstore.json` file. */
export function bundleBytes(bundle: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/** One `TransparencyLogEntry` in protojson (sigstore_rekor.proto). */
export function tlogEntryJson(entry: TlogEntry): Record<string, unknown> {
  const { kind, version } = bodyKind(entry.body);
  const out: Record<string, unknown> = {};
  putInt(out, 'logIndex', entry.logIndex);
  out['logId'] = { keyId: Buffer.from(entry.logId, 'hex').toString('base64') };
  out['kindVersion'] = { kind, version };
  putInt(out, 'integratedTime', entry.integratedTime);
  if (entry.signedEntryTimestamp !== undefined) out['inclusionPromise'] = { signedEntryTimestamp: toB64(entry.signedEntryTimestamp) };
  const p = entry.inclusionProof;
  if (p !== undefined) {
    const proof: Record<string, unknown> = {};
    putInt(proof, 'logIndex', p.logIndex);
    proof['rootHash'] = toB64(p.rootHash);
    putInt(proof, 'treeSize', p.treeSize);
    if (p.hashes.length > 0) proof['hashes'] = p.hashes.map(toB64);
    proof['checkpoint'] = { envelope: p.checkpoint };
    out['inclusionProof'] = proof;
  }
  out['canonicalizedBody'] = toB64(entry.body);
  return out;
}

/** protojson int64: a decimal string, omitted when zero. */
function putInt(obj: Record<string, unknown>, key: string, value: number): void {
  if (value !== 0) obj[key] = String(value);
}
