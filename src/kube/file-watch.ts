/**
 * Noticing that a mounted file changed, however it changed: written in
 * place, or replaced by a rename, as the kubelet updates a ConfigMap or
 * Secret volume (it writes a new `..<timestamp>` directory and swaps the
 * `..data` symlink that the file's own symlink points through). Polling
 * covers both where fs.watch does not (a watch on the old inode sees
 * nothing of a symlink swap): every `intervalMs`, `stat` (which follows
 * symlinks) gives the file's device, inode, size and mtime, and when any
 * changed, or the last load failed, the content is read and compared.
 * `onChange` runs with the new content only when it differs from the last
 * content handed over (so a partial in-place write that failed to load is
 * retried once the writer has finished, and an unchanged rewrite is not a
 * reload). Changes to several files are reported together, once per poll.
 */
import { readFile, stat } from 'node:fs/promises';

export interface WatchedFiles {
  /** Stop polling (idempotent). */
  stop(): void;
  /** Poll once now (tests; the timer does the same). */
  poll(): Promise<void>;
}

/**
 * Watches `paths`; after a change, `onChange(contents)` gets every file's
 * current content (in the order of `paths`) and returns whether loading it
 * worked. A failed load is retried on each later poll whose content differs.
 */
export function watchFiles(paths: readonly string[], initial: readonly Buffer[], onChange: (contents: Buffer[]) => Promise<boolean> | boolean, intervalMs: number): WatchedFiles {
  let signatures: string[] | undefined;
  let last = initial.map((b) => b.toString('base64'));
  // Read the content on the next poll even if the files' stat did not change: after a failed load,
  // and on the first poll (a change between the initial load and the first stat).
  let recheck = true;
  let polling: Promise<void> | undefined;
  const once = async (): Promise<void> => {
    const now = await Promise.all(paths.map(signature));
    if (signatures === undefined) signatures = now; // the first poll only records where things stand
    const moved = now.some((s, i) => s !== signatures![i]);
    signatures = now;
    if (!moved && !recheck) return;
    const contents = await Promise.all(paths.map((p) => readFile(p).catch(() => undefined)));
    if (contents.some((c) => c === undefined)) return; // mid-swap or removed: look again next time
    const texts = (contents as Buffer[]).map((b) => b.toString('base64'));
    recheck = false;
    if (texts.every((t, i) => t === last[i])) return;
    last = texts;
    recheck = !(await onChange(contents as Buffer[]));
  };
  const poll = (): Promise<void> => {
    polling ??= once().finally(() => (polling = undefined));
    return polling;
  };
  const timer = setInterval(() => void poll().catch(() => undefined), intervalMs);
  timer.unref();
  void poll().catch(() => undefined);
  return { stop: () => clearInterval(timer), poll };
}

async function signature(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}
