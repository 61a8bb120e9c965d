/**
 * Search keys recomputed from STORED canonical bodies, for monitors that read
 * entry bundles and look for their own keys, digests and identities. The log
 * derived these keys at admission (each kind's `prepare`); here they are
 * derived again from what the canonical body keeps, without re-verifying
 * signatures (a monitor looks entries up, it does not re-admit them):
 *
 * - hashedrekord 0.0.1: `sha256:<hex of canonical PEM>` of the key, the
 *   certificate's SAN emails/URIs, `<alg>:<digest hex>`.
 * - dsse 0.0.1: `sha256:<payloadHash>`, `sha256:<envelopeHash>`, and each
 *   verifier's key hash and SANs.
 * - intoto 0.0.2: each signature's key hash and SANs, `sha256:<payloadHash>`.
 *
 * In-toto statement subject digests are NOT derivable: neither dsse nor intoto
 * bodies keep the payload. Keys are normalised as at admission (lowercased).
 */
import { decodeBody } from './body.js';
import { asObject, reqArray, reqObject, reqString, type JsonObject } from './fields.js';
import { parseVerifier } from './keys.js';
import { hashKey, normaliseSearchKeys } from './search-keys.js';
import { DEFAULT_ENTRY_LIMITS } from './types.js';

const MAX_SIGNATURES = 64;

/**
 * The search keys of a stored body (see the module comment). A kind or
 * version Cairn does not know gives no keys. Throws LogError('CORRUPT') for
 * a body that is not JSON, and ENTRY_INVALID for a known kind whose fields
 * are malformed (a body a log should never have stored).
 */
export function searchKeysOfBody(body: Uint8Array): string[] {
  const entry = decodeBody(body);
  const kind = `${String(entry['kind'])}/${String(entry['apiVersion'])}`;
  const spec = (): JsonObject => reqObject(entry, 'spec', 'spec');
  switch (kind) {
    case 'hashedrekord/0.0.1':
      return normaliseSearchKeys(hashedrekordKeys(spec()));
    case 'dsse/0.0.1':
      return normaliseSearchKeys(dsseKeys(spec()));
    case 'intoto/0.0.2':
      return normaliseSearchKeys(intotoKeys(spec()));
    default:
      return [];
  }
}

/**
 * The search key of a public key or certificate (chain) given as PEM text:
 * `sha256:<hex SHA-256 of the canonical PEM>`, as entries index their signer.
 * Throws LogError (ENTRY_INVALID, ALGORITHM_NOT_ALLOWED) for unusable PEM.
 */
export function publicKeySearchKey(pem: string): string {
  const v = parseVerifier(Buffer.from(pem, 'latin1').toString('base64'), 'publicKey', DEFAULT_ENTRY_LIMITS.maxChainLength);
  return `sha256:${v.keyHash}`;
}

function verifierKeys(base64Pem: string, field: string): string[] {
  const v = parseVerifier(base64Pem, field, DEFAULT_ENTRY_LIMITS.maxChainLength);
  return [`sha256:${v.keyHash}`, ...v.subjects];
}

function hashedrekordKeys(spec: JsonObject): string[] {
  const signature = reqObject(spec, 'signature', 'spec.signature');
  const key = reqString(reqObject(signature, 'publicKey', 'spec.signature.publicKey'), 'content', 'spec.signature.publicKey.content');
  const hash = reqObject(reqObject(spec, 'data', 'spec.data'), 'hash', 'spec.data.hash');
  return [
    ...verifierKeys(key, 'spec.signature.publicKey.content'),
    hashKey(reqString(hash, 'algorithm', 'spec.data.hash.algorithm'), reqString(hash, 'value', 'spec.data.hash.value')),
  ];
}

function dsseKeys(spec: JsonObject): string[] {
  const keys = [
    `sha256:${reqString(reqObject(spec, 'payloadHash', 'spec.payloadHash'), 'value', 'spec.payloadHash.value')}`,
    `sha256:${reqString(reqObject(spec, 'envelopeHash', 'spec.envelopeHash'), 'value', 'spec.envelopeHash.value')}`,
  ];
  reqArray(spec, 'signatures', 'spec.signatures', MAX_SIGNATURES).forEach((s, i) => {
    const path = `spec.signatures[${i}]`;
    keys.push(...verifierKeys(reqString(asObject(s, path), 'verifier', `${path}.verifier`), `${path}.verifier`));
  });
  return keys;
}

function intotoKeys(spec: JsonObject): string[] {
  const content = reqObject(spec, 'content', 'spec.content');
  const envelope = reqObject(content, 'envelope', 'spec.content.envelope');
  const keys: string[] = [];
  reqArray(envelope, 'signatures', 'spec.content.envelope.signatures', MAX_SIGNATURES).forEach((s, i) => {
    const path = `spec.content.envelope.signatures[${i}]`;
    keys.push(...verifierKeys(reqString(asObject(s, path), 'publicKey', `${path}.publicKey`), `${path}.publicKey`));
  });
  const payloadHash = reqObject(content, 'payloadHash', 'spec.content.payloadHash');
  keys.push(`sha256:${reqString(payloadHash, 'value', 'spec.content.payloadHash.value')}`);
  return keys;
}
