/**
 * The log half of every verification path: pick the entry (from the layer or
 * bundle, with an online proof), verify it in its log (verify/tlog.ts), match
 * the logged body to the signature, find the trusted key that signed, and
 * check the body names that key (oci-signatures.md §4 steps 5 and 7).
 */
import type { PublicKeyInfo } from '../../entry/index.js';
import { parseCosignBundleAnnotation, type TlogEntry } from '../tlog-entry.js';
import { matchBody, type SignedMaterial } from './body.js';
import { findSigner, verifyPayloadSignature } from './signature.js';
import { checkTlogEntry, type TlogVerified } from './tlog.js';
import type { Trust } from './trust.js';
import { readOr, refuse } from './verdict.js';

/**
 * The log entry of a layer: the bundle annotation's, with the online entry's
 * inclusion proof when given; the online entry alone when there is no
 * annotation. An online entry for another body makes the proof fail.
 */
export function layerEntry(annotation: string | undefined, online: TlogEntry | undefined): TlogEntry | undefined {
  const fromLayer = annotation === undefined ? undefined : readOr('TLOG_ENTRY_MALFORMED', 'bundle annotation', () => parseCosignBundleAnnotation(annotation));
  if (fromLayer === undefined) return online;
  if (online?.inclusionProof === undefined) return fromLayer;
  return { ...fromLayer, inclusionProof: online.inclusionProof };
}

/**
 * SET/proof, then body, then signature: returns the log verdict and the
 * index of the trusted key that signed. Shared by the legacy `.sig` and
 * `.att` paths and by bundles.
 */
export async function verifyLogged(
  entry: TlogEntry | undefined,
  material: SignedMaterial,
  trust: Trust,
  checkSignature: (key: PublicKeyInfo, alg: 'sha256' | 'sha384' | 'sha512') => boolean = (key, alg) =>
    verifyPayloadSignature(key, material.payload, material.signature, alg),
): Promise<{ tlog: TlogVerified | undefined; signer: number }> {
  if (entry === undefined) {
    if (trust.requireTlog) refuse('TLOG_ENTRY_MISSING', 'the signature has no log entry');
    const signer = findSigner(trust.signers, (k) => checkSignature(k, 'sha256'));
    if (signer < 0) refuse('SIGNATURE_INVALID', 'no trusted key verifies the signature');
    return { tlog: undefined, signer };
  }
  const tlog = await checkTlogEntry(entry, trust);
  const match = matchBody(entry.body, material);
  const signer = findSigner(trust.signers, (k) => checkSignature(k, match.hashAlgorithm));
  if (signer < 0) refuse('SIGNATURE_INVALID', 'no trusted key verifies the signature');
  const spki = (trust.signers[signer] as PublicKeyInfo).spkiDer;
  if (!match.keys.some((k) => Buffer.compare(Buffer.from(k), Buffer.from(spki)) === 0)) {
    refuse('BODY_MISMATCH', 'the logged entry names another key than the one that signed');
  }
  return { tlog, signer };
}
