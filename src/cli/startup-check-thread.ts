/**
 * The thread that runs the long phases of the start-up check
 * (startup-check.ts) on a connection of its own, so that the event loop
 * keeps answering probes meanwhile. workerData says which phase:
 *
 * - `quick-check`: open the database with SQLite's quick_check (every page
 *   read), then close it;
 * - `rehash`: open it without, and rehash every entry, tile and checkpoint
 *   root up to the latest checkpoint (verifyStoredLog), posting progress.
 *
 * Messages to the owner: `{type: 'progress', entries}` at most every
 * PROGRESS_MS, then `{type: 'done'}` or `{type: 'failed', code, message}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isLogError, describeError } from '../errors.js';
import { verifyStoredLog } from '../log/index.js';
import { openSqliteStore } from '../storage/index.js';

export interface StartupCheckData {
  readonly path: string;
  readonly phase: 'quick-check' | 'rehash';
}

export type StartupCheckMessage =
  | { readonly type: 'progress'; readonly entries: number }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** Least time between two progress messages, ms. */
const PROGRESS_MS = 2_000;

function run(data: StartupCheckData, post: (m: StartupCheckMessage) => void): void {
  const store = openSqliteStore({ path: data.path, quickCheck: data.phase === 'quick-check', deferredSync: false });
  try {
    if (data.phase === 'rehash') {
      const latest = store.latestCheckpoint();
      if (latest !== undefined) {
        let last = performance.now();
        verifyStoredLog(store, latest, (entries) => {
          const now = performance.now();
          if (now - last < PROGRESS_MS) return;
          last = now;
          post({ type: 'progress', entries });
        });
      }
    }
  } finally {
    store.close();
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const post = (m: StartupCheckMessage): void => port.postMessage(m);
  try {
    run(workerData as StartupCheckData, post);
    post({ type: 'done' });
  } catch (err) {
    post({ type: 'failed', code: isLogError(err) ? err.code : 'INTERNAL', message: describeError(err) });
  }
}
