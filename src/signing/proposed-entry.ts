/**
 * Proposed Rekor v1 entries a signer submits (rekor-v1.md §2): the request
 * bodies of `POST /api/v1/log/entries`. Cairn's log admits exactly these
 * (src/entry kinds hashedrekord 0.0.1 and dsse 0.0.1).
 */
import { digest, parseSpki, type HashAlgorithm } from '../entry/index.js';
import { bad, toB64, toHex, utf8Bytes } from './json.js';
import { envelopeJson, type DsseEnvelope } from './dsse-envelope.js';

/**
 * hashedrekord 0.0.1 for a signature over `payload`:
 * `spec.data.hash` = `hashAlgorithm` digest of the payload (sha256 for
 * ECDSA P-256 and RSA; Rekor pairs P-384 with sha384, P-521 and Ed25519ph with
 * sha512), `spec.signature.content` = base64 signature,
 * `spec.signature.publicKey.content` = base64 of the PEM public key.
 */
export function hashedrekordEntry(
  payload: Uint8Array,
  signature: Uint8Array,
  publicKeyPem: string,
  hashAlgorithm: HashAlgorithm = 'sha256',
): Record<string, unknown> {
  if (signature.length === 0) throw bad('signature', 'must not be empty');
  if (!publicKeyPem.includes('-----BEGIN ')) throw bad('publicKeyPem', 'expected PEM text');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: hashAlgorithm, value: toHex(digest(hashAlgorithm, payload)) } },
      signature: { content: toB64(signature), publicKey: { content: toB64(utf8Bytes(publicKeyPem)) } },
    },
  };
}

/**
 * The `data.hash` algorithm a hashedrekord entry for this key must name
 * (Rekor's default pairing, which Cairn enforces): sha256 for ECDSA P-256 and
 * RSA, sha384 for P-384, sha512 for P-521 and Ed25519 (whose signature must
 * then be Ed25519ph over that digest; a pure Ed25519 signature cannot be
 * logged as hashedrekord — sign DSSE, which logs pure Ed25519, instead).
 * Throws LogError (ENTRY_INVALID, ALGORITHM_NOT_ALLOWED) for other keys.
 */
export function hashedrekordHashAlgorithm(publicKeySpki: Uint8Array): HashAlgorithm {
  const key = parseSpki(publicKeySpki);
  switch (key.family) {
    case 'rsa':
      return 'sha256';
    case 'ed25519':
      return 'sha512';
    case 'ecdsa':
      return key.curve === 'P-384' ? 'sha384' : key.curve === 'P-521' ? 'sha512' : 'sha256';
  }
}

/**
 * dsse 0.0.1: `spec.proposedContent {envelope: <cosign envelope JSON text>,
 * verifiers: [base64 PEM]}`. The log verifies every envelope signature under
 * a verifier and stores hashes, signatures and verifiers (never the envelope).
 */
export function dsseEntry(envelope: DsseEnvelope, publicKeyPems: readonly string[]): Record<string, unknown> {
  if (envelope.signatures.length === 0) throw bad('envelope.signatures', 'must not be empty');
  if (publicKeyPems.length === 0) throw bad('publicKeyPems', 'need at least one verifier');
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: envelopeJson(envelope),
        verifiers: publicKeyPems.map((pem) => toB64(utf8Bytes(pem))),
      },
    },
  };
}
