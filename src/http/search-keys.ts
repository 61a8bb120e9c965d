/**
 * Search keys of an index query, in the exact form src/entry writes them
 * with each entry (lowercased, see entry/search-keys.ts):
 * - hash → `<algorithm>:<hex>`; without a prefix the algorithm follows from
 *   the length (40 sha1, 64 sha256, 96 sha384, 128 sha512), as Rekor's PrefixSHA.
 * - publicKey (x509: base64 of a PEM key or certificate chain) →
 *   `sha256:<hex SHA-256 of the canonical PEM>`, the canonical PEM being Go's
 *   pem.Encode of each block (64 columns, LF), as entry/keys.ts computes it.
 * - email, subject → the lowercased SAN value.
 */
import { publicKeySearchKey } from '../entry/index.js';
import { LogError, describeError } from '../errors.js';

export interface SearchIndexQuery {
  hash?: string;
  publicKey?: { format: string; content: string };
  email?: string;
  subject?: string;
  operator?: 'and' | 'or';
}

const PREFIX_BY_LENGTH: Readonly<Record<number, string>> = { 40: 'sha1', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/** One key per criterion given, in the order hash, publicKey, email, subject. Throws BAD_REQUEST for an unusable key. */
export function searchKeysOf(q: SearchIndexQuery): string[] {
  const keys: string[] = [];
  if (q.hash !== undefined) keys.push(hashKey(q.hash));
  if (q.publicKey !== undefined) keys.push(publicKeyKey(q.publicKey.format, q.publicKey.content));
  if (q.email !== undefined) keys.push(q.email.trim().toLowerCase());
  if (q.subject !== undefined) keys.push(q.subject.trim().toLowerCase());
  return keys;
}

function hashKey(hash: string): string {
  const h = hash.toLowerCase();
  if (h.includes(':')) return h;
  return `${PREFIX_BY_LENGTH[h.length] ?? 'sha256'}:${h}`;
}

function publicKeyKey(format: string, content: string): string {
  if (format !== 'x509') {
    throw new LogError('BAD_REQUEST', `publicKey format ${JSON.stringify(format)} is not indexed by this log; use x509 (PEM keys and certificates)`);
  }
  try {
    // The same canonical PEM and hash the entry kinds index their signers under.
    return publicKeySearchKey(Buffer.from(content, 'base64').toString('latin1'));
  } catch (err) {
    throw new LogError('BAD_REQUEST', `publicKey.content is not base64 of a usable PEM public key or certificate: ${describeError(err)}`);
  }
}
