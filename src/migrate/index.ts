/**
 * Copying a log between storage engines (`cairn migrate`): from a SQLite
 * snapshot into PostgreSQL, chunk by published checkpoint, resumable
 * (copy.ts), then proved row for row and by its own hashes (prove.ts).
 */
export { beginCopy, copyLog, nextBoundary, planCopy, type CopyOptions, type CopyPlan, type CopyProgress, type CopyResult } from './copy.js';
export { proveCopy, type CopyProofSummary, type ProveOptions } from './prove.js';
