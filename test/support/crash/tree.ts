/**
 * An independent RFC 6962 tree for the crash harness: it recomputes roots
 * from entry bodies fetched over HTTP with nothing but node:crypto, so a bug
 * in src/merkle cannot hide a lost or rewritten entry.
 */
import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 6962 §2.1 leaf hash SHA-256(0x00 ‖ body). */
export function leafHashOf(body: Uint8Array): Buffer {
  return sha256(Buffer.of(0), body);
}

/**
 * Roots of the tree over `leaves` at each of `sizes` (each ≤ leaves.length),
 * in one pass: a stack of perfect subtrees, folded right to left at each size
 * (the compact-range form of RFC 6962's MTH). Size 0 is SHA-256("").
 */
export function rootsAtSizes(leaves: readonly Buffer[], sizes: Iterable<number>): Map<number, Buffer> {
  const wanted = new Set(sizes);
  const out = new Map<number, Buffer>();
  if (wanted.has(0)) out.set(0, sha256());
  const stack: Array<{ count: number; hash: Buffer }> = [];
  for (let i = 0; i < leaves.length; i++) {
    let node = { count: 1, hash: leaves[i]! };
    while (stack.length > 0 && stack[stack.length - 1]!.count === node.count) {
      const left = stack.pop()!;
      node = { count: left.count * 2, hash: sha256(Buffer.of(1), left.hash, node.hash) };
    }
    stack.push(node);
    if (wanted.has(i + 1)) {
      let root = stack[stack.length - 1]!.hash;
      for (let j = stack.length - 2; j >= 0; j--) root = sha256(Buffer.of(1), stack[j]!.hash, root);
      out.set(i + 1, root);
    }
  }
  return out;
}

/** The bodies of a tlog-tiles entry bundle (uint16 big-endian length, then the bytes, repeated). Throws when malformed. */
export function parseBundle(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new Error(`bundle truncated at byte ${at}`);
    const len = bytes.readUInt16BE(at);
    if (at + 2 + len > bytes.length) throw new Error(`bundle entry ${out.length} truncated`);
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}

/** c2sp.org/tlog-tiles index path: 3-digit groups, all but the last prefixed with `x` (7 → "007", 1234 → "x001/234"). */
export function tileIndexPath(n: number): string {
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}
