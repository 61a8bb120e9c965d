/**
 * The thread that runs the long phases of the start-up check
 * (startup-check.ts) on a connection of its own, so that the event loop
 * keeps answering probes meanwhile. workerData says which phase:
 *
 * - `quick-check`: open the database with SQLite's quick_check (every page
 *   read), then close it;
 * - `rehash`: open it without, and rehash every entry, tile and checkpoint
 *   root of every tree (frozen ones up to their final checkpoint, the active
 *   one up to its latest) with verifyStoredLog, posting progress.
 *
 * Messages to the owner: `{type: 'progress', entries}` at most every
 * PROGRESS_MS, then `{type: 'done'}` or `{type: 'failed', code, message}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LogError, isLogError, describeError } from '../errors.js';
import { verifyStoredLog } from '../log/index.js';
import { openSqliteStore, toAsyncReads } from '../storage/index.js';

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

async function run(data: StartupCheckData, post: (m: StartupCheckMessage) => void): Promise<void> {
  const store = openSqliteStore({ path: data.path, quickCheck: data.phase === 'quick-check', deferredSync: false });
  try {
    if (data.phase === 'rehash') {
      const latest = store.latestCheckpoint();
      if (latest !== undefined) {
        let last = performance.now();
        let before = 0; // entries of the trees checked already
        const progress = (entries: number): void => {
          const now = performance.now();
          if (now - last < PROGRESS_MS) return;
          last = now;
          post({ type: 'progress', entries: before + entries });
        };
        // Every frozen tree up to its final checkpoint, then the active one.
        const shards = store.shards();
        for (const row of shards.slice(0, -1)) {
          const tree = store.frozenTree(row.ordinal);
          const final = tree.checkpointAt(row.frozenSize ?? 0);
          if (final === undefined) throw new LogError('CORRUPT', `the final checkpoint of frozen tree ${row.treeId} is missing`);
          await verifyStoredLog(toAsyncReads(tree), final, progress, row.firstIndex);
          before += final.size;
        }
        await verifyStoredLog(toAsyncReads(store), latest, progress, shards[shards.length - 1]?.firstIndex ?? 0);
      }
    }
  } finally {
    store.close();
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const post = (m: StartupCheckMessage): void => port.postMessage(m);
  run(workerData as StartupCheckData, post).then(
    () => post({ type: 'done' }),
    (err: unknown) => post({ type: 'failed', code: isLogError(err) ? err.code : 'INTERNAL', message: describeError(err) }),
  );
}
