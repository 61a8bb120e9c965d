/**
 * One server per data dir: `cairn serve` holds `<data-dir>/cairn.lock`, a
 * file created exclusively (O_CREAT|O_EXCL, `wx`) holding its process ID.
 * Node has no flock(2), so a lock left by a server that died without
 * releasing it (SIGKILL, power loss) is recognised as stale by the recorded
 * process no longer existing (kill(pid, 0) fails with ESRCH) and is taken
 * over. A second server while the first runs is refused with exit status 5,
 * naming the lock file and the holder.
 *
 * Limit: after a crash, if the OS has meanwhile given the dead server's PID
 * to another process, the lock looks held; the message says to remove the
 * file then.
 */
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { EXIT, ExitError } from './exit-codes.js';

export const LOCK_FILE = 'cairn.lock';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/** Whether process `pid` exists (on this host). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The PID recorded in a lock file, or undefined when it is unreadable or malformed (being written). */
function holder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the data dir's lock (creating the dir if needed) or throws ExitError(LOCKED). */
export function lockDataDir(dataDir: string): DataDirLock {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the data dir ${dataDir} is not a writable directory: ${describeError(err)}`);
  }
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LogError('CONFIG_INVALID', `the data dir ${dataDir} is not a writable directory: couldn't create the lock file ${path}: ${describeError(err)}`);
      }
      const pid = holder(path);
      if (pid !== undefined && pid !== process.pid && alive(pid)) {
        throw new ExitError(
          EXIT.LOCKED,
          `the data dir ${dataDir} is in use by another cairn serve (pid ${pid}, lock file ${path}); stop that server first, or remove the lock file if no server runs there`,
        );
      }
      if (pid === undefined && attempt === 0) continue; // possibly being written this instant: look again
      try {
        unlinkSync(path); // stale: its server is gone
      } catch {
        /* another starter removed it first; retry */
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n${hostname()}\n`);
    closeSync(fd);
    return {
      path,
      release: () => {
        if (holder(path) !== process.pid) return;
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      },
    };
  }
  throw new ExitError(EXIT.LOCKED, `couldn't take the lock file ${path}: another process keeps recreating it`);
}
