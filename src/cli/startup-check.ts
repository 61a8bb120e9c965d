/**
 * The long phases of `cairn serve`'s start-up check, each on a thread of its
 * own (startup-check-thread.ts): the event loop stays free, so the server,
 * listening already, answers probes all along (/readyz "checking",
 * starting.ts). SQLite's quick_check runs before the log is opened; the
 * rehash of every entry, tile and checkpoint root after the self-check, on a
 * second connection (WAL readers do not block each other; nothing writes
 * before the check is over).
 */
import { Worker } from 'node:worker_threads';
import { LogError, type ErrorCode } from '../errors.js';
import type { StartupCheckData, StartupCheckMessage } from './startup-check-thread.js';

/**
 * Runs `phase` on the database at `path` on a new thread; resolves when it
 * passed, rejects with its LogError (CORRUPT naming what does not match)
 * when not. `progress` hears how many entries the rehash has checked.
 */
export function checkOnThread(path: string, phase: StartupCheckData['phase'], progress: (entries: number) => void = () => undefined): Promise<void> {
  const data: StartupCheckData = { path, phase };
  const worker = new Worker(new URL('./startup-check-thread.js', import.meta.url), { workerData: data });
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: StartupCheckMessage) => {
      if (m.type === 'progress') return progress(m.entries);
      settled = true;
      if (m.type === 'done') resolve();
      else reject(new LogError(m.code as ErrorCode, m.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new LogError('INTERNAL', `the start-up check's thread failed: ${err.message}`, { cause: err }));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new LogError('INTERNAL', `the start-up check's thread exited (${code}) without an answer`));
    });
  });
}
