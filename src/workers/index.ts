/** The worker pool: admission and log-key signing off the event loop (see pool.ts). */
export type { WorkerPool, WorkerPoolOptions } from './pool.js';
export { createWorkerPool } from './pool.js';
