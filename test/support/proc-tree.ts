/**
 * A process and its descendants, read from Linux /proc (a PostgreSQL
 * server's postmaster with its backends, WAL writer, checkpointer, …).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** `pid` first, then every process descending from it that is running now (children before grandchildren). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parents) if (parent === out[i]) out.push(child);
  return out;
}
