/**
 * The monitor: follows a log by URL and verifier key, verifies each new
 * checkpoint (signature, witness cosignatures), proves it consistent with the
 * last verified one by recomputing the tree from tiles, and reports entries
 * of watched keys. The log is read and its checkpoints verified through the
 * client library (src/client: TiledLog, verifyCheckpoint); the state file is
 * state.ts; tree.ts, watch.ts and evidence.ts are pure.
 */
export { formatEvidence, isEvidence } from './evidence.js';
export type { InconsistencyEvidence, KnownCheckpoint } from './evidence.js';
export { monitorStep, startAtLatest } from './monitor.js';
export type { CatchUpProgress, MonitorDeps, ResumeFrom, StepOutcome } from './monitor.js';
export { ProgressMeter } from './progress.js';
export type { ProgressReport } from './progress.js';
export { readState, writeState } from './state.js';
export type { CatchUpState, MonitorState } from './state.js';
export { TreeRebuild, edgeTiles, leafTiles } from './tree.js';
export type { NewEntry, RebuildPoint } from './tree.js';
export { compareWithLast, verifyCheckpointNote } from './verify.js';
export type { VerifiedCheckpoint } from './verify.js';
export { Watchlist } from './watch.js';
export type { WatchMatch } from './watch.js';
