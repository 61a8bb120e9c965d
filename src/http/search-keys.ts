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
import { createHash } from 'node:crypto';
import { LogError } from '../errors.js';

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

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----[ \t]*\r?\n([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

function publicKeyKey(format: string, content: string): string {
  if (format !== 'x509') {
    throw new LogError('BAD_REQUEST', `publicKey format ${JSON.stringify(format)} is not indexed by this log; use x509 (PEM keys and certificates)`);
  }
  const text = Buffer.from(content, 'base64').toString('latin1');
  let canonical = '';
  for (const m of text.matchAll(BLOCK)) {
    const [, type, body] = m as unknown as [string, string, string];
    if (type !== 'PUBLIC KEY' && type !== 'CERTIFICATE') {
      throw new LogError('BAD_REQUEST', `publicKey.content holds a "${type}" PEM block; expected PUBLIC KEY or CERTIFICATE`);
    }
    canonical += encodePem(type, Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  }
  if (canonical === '') throw new LogError('BAD_REQUEST', 'publicKey.content is not base64 of a PEM public key or certificate');
  return `sha256:${createHash('sha256').update(canonical, 'latin1').digest('hex')}`;
}

/** Go pem.Encode: BEGIN line, 64-column base64 lines, END line, each ending in LF. */
function encodePem(type: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines = [`-----BEGIN ${type}-----`];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${type}-----`, '');
  return lines.join('\n');
}
