/**
 * Reading the log's tlog-tiles over HTTP for the crash harness, written
 * independently of src/merkle (c2sp.org/tlog-tiles), so that a bug there
 * cannot hide a lost or rewritten entry. Roots are recomputed with the
 * naive reference tree (../reference-tree.ts).
 */

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
