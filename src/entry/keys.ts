/**
 * Verifier material in entries: base64 of a PEM `PUBLIC KEY`, or of one or
 * more `CERTIFICATE` blocks (a chain, leaf first). Parsing yields the signing
 * key, the canonical PEM (Go `pem.Encode` of the DER, certificates
 * concatenated), its SHA-256 (the key's search key) and the leaf's SAN emails
 * and URIs.
 *
 * Parsing PEM, certificates and native key objects costs ~0.1–0.5 ms, so
 * results are kept in a bounded LRU cache (KEY_CACHE_SIZE entries) keyed by the
 * exact base64 text: a repeated signer costs a map lookup. This is the one piece
 * of in-memory state in the pure entry layer; it is a pure function's memo (the
 * cached value depends only on the key text), so it changes no result, only
 * speed. Failures are not cached.
 */
import { LogError } from '../errors.js';
import { sha256Hex } from './digest.js';
import { decodeBase64Std, encodeBase64 } from './encoding.js';
import { invalid } from './fields.js';
import { LruCache } from './lru.js';
import { decodePem, encodePem } from './pem.js';
import { parseSpki, type PublicKeyInfo } from './spki.js';
import { parseCertificate, verifyChain, type ParsedCertificate } from './x509.js';

/** A parsed verifier: signing key plus canonical form and index material. Immutable. */
export interface VerifierKey {
  /** The key that signs entries: the public key, or the leaf certificate's key. */
  readonly key: PublicKeyInfo;
  /** Canonical PEM text (LF line endings, 64 columns). */
  readonly canonicalPem: string;
  /** Standard base64 of the canonical PEM: what canonical bodies store. */
  readonly canonicalBase64: string;
  /** Lowercase hex SHA-256 of the canonical PEM bytes. */
  readonly keyHash: string;
  /** Leaf certificate SAN emails and URIs, lowercased; empty for a bare key. */
  readonly subjects: readonly string[];
  /** Number of certificates; 0 for a bare public key. */
  readonly chainLength: number;
}

/** Entries kept in the key cache. */
export const KEY_CACHE_SIZE = 1000;

const cache = new LruCache<string, VerifierKey>(KEY_CACHE_SIZE);

/**
 * Parse `base64Pem` (attacker-controlled) read from `field`. Chains longer
 * than `maxChainLength` certificates are ENTRY_INVALID. Throws LogError
 * (ENTRY_INVALID, ALGORITHM_NOT_ALLOWED, SIGNATURE_INVALID for a broken chain)
 * with a message naming `field`.
 */
export function parseVerifier(base64Pem: string, field: string, maxChainLength: number): VerifierKey {
  const hit = cache.get(base64Pem);
  if (hit !== undefined) {
    checkChainLength(hit.chainLength, maxChainLength, field);
    return hit;
  }
  const pemText = decodeBase64Std(base64Pem, field).toString('latin1');
  const blocks = decodePem(pemText, field, maxChainLength);
  let parsed: VerifierKey;
  try {
    parsed = fromBlocks(blocks);
  } catch (err) {
    if (err instanceof LogError) throw new LogError(err.code, `${field}: ${err.message}`, { cause: err });
    throw err;
  }
  checkChainLength(parsed.chainLength, maxChainLength, field);
  cache.set(base64Pem, parsed);
  return parsed;
}

/** Drop every cached key (tests and benchmarks). */
export function clearKeyCache(): void {
  cache.clear();
}

function fromBlocks(blocks: readonly { type: string; der: Uint8Array }[]): VerifierKey {
  const first = blocks[0];
  if (first === undefined) throw new LogError('ENTRY_INVALID', 'no PEM block found');
  if (blocks.length === 1 && first.type === 'PUBLIC KEY') {
    const key = parseSpki(first.der);
    return finish(key, encodePem('PUBLIC KEY', first.der), [], 0);
  }
  const certs: ParsedCertificate[] = blocks.map((block, i) => {
    if (block.type !== 'CERTIFICATE') {
      throw new LogError('ENTRY_INVALID', `PEM block ${i} is "${block.type}"; expected PUBLIC KEY or CERTIFICATE blocks`);
    }
    return parseCertificate(block.der);
  });
  const leaf = certs[0] as ParsedCertificate;
  const key = parseSpki(leaf.spkiDer);
  verifyChain(certs);
  const pem = certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
  return finish(key, pem, leaf.subjects, certs.length);
}

function finish(key: PublicKeyInfo, pem: string, subjects: readonly string[], chainLength: number): VerifierKey {
  const bytes = Buffer.from(pem, 'latin1');
  return Object.freeze({
    key,
    canonicalPem: pem,
    canonicalBase64: encodeBase64(bytes),
    keyHash: sha256Hex(bytes),
    subjects: Object.freeze([...subjects]),
    chainLength,
  });
}

function checkChainLength(length: number, max: number, field: string): void {
  if (length > max) throw invalid(field, `certificate chain of ${length} is longer than ${max}`);
}
