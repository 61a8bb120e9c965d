/**
 * Writing a key file crash-safely: the text is written and fsynced under a
 * temporary name in the same directory, then hard-linked to `path` (atomic,
 * and failing with EEXIST if `path` exists) and the directory fsynced. A
 * crash leaves either no file at `path` or a complete one, never an empty or
 * partial key.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to the new file `path` with exactly `mode` (whatever the
 * umask). The directory must exist. Throws node's error (EEXIST when `path`
 * exists), leaving no temporary file behind.
 */
export function writeNewFile(path: string, text: string, mode: number): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } finally {
    unlinkSync(tmp);
  }
  fsyncDir(dir);
}

/** fsync a directory so a new name in it is durable (best effort where directories cannot be opened). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported on this platform or file system */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
