/**
 * The monitor's state file: the last verified checkpoint, as JSON. Written
 * atomically (temp file in the same directory, fsync, rename, fsync of the
 * directory), so a crash leaves either the old or the new state, never a
 * torn one. A state file that does not parse is an error, never a reset:
 * starting over would forget what the log committed to.
 *
 * During a long catch-up the state is saved as it goes: `catchUp` holds the
 * checkpoint being caught up to and how far the recomputation got (the
 * leaves appended and their root), so an interrupted run resumes there.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LogError, describeError } from '../errors.js';

/** What the monitor remembers between runs. */
export interface MonitorState {
  readonly version: 1;
  /** The checkpoint origin, pinned at the first run. */
  readonly origin: string;
  /** Size of the last verified checkpoint. */
  readonly size: number;
  /** Its root, standard base64 (as in the checkpoint text). */
  readonly root: string;
  /** Its signed note, cosignatures included. */
  readonly note: string;
  /** When it was verified (ISO 8601). */
  readonly verifiedAt: string;
  /** A catch-up under way towards a larger checkpoint; absent when none is. */
  readonly catchUp?: CatchUpState;
}

/** How far the catch-up towards a checkpoint (whose signed note is `note`) got. */
export interface CatchUpState {
  /** The target checkpoint's signed note. */
  readonly note: string;
  /** Leaves appended so far (from the start of the tree). */
  readonly next: number;
  /** Root of those leaves as recomputed, standard base64. */
  readonly root: string;
}

/** Reads the state; undefined when the file does not exist. Throws CONFIG_INVALID when it is unreadable or malformed. */
export function readState(path: string): MonitorState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogError('CONFIG_INVALID', `couldn't read the monitor state ${path}: ${describeError(err)}`);
  }
  let s: Partial<MonitorState>;
  try {
    s = JSON.parse(text) as Partial<MonitorState>;
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the monitor state ${path} is not JSON (${describeError(err)}); restore it or remove it to start over`);
  }
  const ok =
    s.version === 1 &&
    typeof s.origin === 'string' &&
    Number.isSafeInteger(s.size) &&
    (s.size ?? -1) >= 0 &&
    typeof s.root === 'string' &&
    Buffer.from(s.root, 'base64').length === 32 &&
    typeof s.note === 'string' &&
    typeof s.verifiedAt === 'string' &&
    (s.catchUp === undefined || isCatchUp(s.catchUp, s.size ?? 0));
  if (!ok) throw new LogError('CONFIG_INVALID', `the monitor state ${path} is malformed; restore it or remove it to start over`);
  return s as MonitorState;
}

function isCatchUp(c: Partial<CatchUpState>, size: number): boolean {
  return typeof c === 'object' && c !== null &&
    typeof c.note === 'string' &&
    Number.isSafeInteger(c.next) && (c.next ?? -1) >= size &&
    typeof c.root === 'string' && Buffer.from(c.root, 'base64').length === 32;
}

/** Writes the state atomically and durably (see the module comment). Throws CONFIG_INVALID on failure. */
export function writeState(path: string, state: MonitorState): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new LogError('CONFIG_INVALID', `couldn't write the monitor state ${path}: ${describeError(err)}`);
  }
}
