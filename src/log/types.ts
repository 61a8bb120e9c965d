/** Types shared by the log service's parts. */
import type { CheckpointRow } from '../storage/types.js';

/** An admitted entry, ready to sequence: all CPU work (validation, signature checks, hashing) already done. */
export interface Submission {
  /** Entry kind and version, e.g. `hashedrekord/0.0.1`, or `raw` for core appends. */
  readonly kind: string;
  /** Canonical body bytes (≤ 65,535). */
  readonly body: Uint8Array;
  /** SHA-256(0x00 ‖ body). */
  readonly leafHash: Uint8Array;
  /** Normalised search keys written with the entry, in the same transaction. */
  readonly searchKeys: readonly string[];
}

/** What a submitter learns once its entry is durably committed and published. */
export interface Sequenced {
  /** Global index (across shards). */
  readonly index: number;
  /** The tree (shard) the entry went into: its checkpoint and inclusion proof are that tree's. */
  readonly treeId: string;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** Signed entry timestamp (empty when the log was configured not to make them). */
  readonly set: Uint8Array;
  /** The checkpoint that first includes the entry. */
  readonly checkpoint: CheckpointRow;
}

/** Sequencer tuning. */
export interface SequencerOptions {
  /** Most entries per batch, ≥ 1. */
  readonly batchMaxSize: number;
  /** Most time, ms, the oldest pooled entry waits before a flush, ≥ 0. */
  readonly batchMaxAgeMs: number;
  /** Most entries waiting in the pool, ≥ 1; beyond it add() throws POOL_FULL. */
  readonly poolMaxSize: number;
  /** Whether to sign a Rekor SET for each entry (true for the API; false for raw benchmarks). */
  readonly signEntryTimestamps: boolean;
  /**
   * Most batches in flight at once, ≥ 1 (default 2): while one awaits
   * durability the next is signed and committed (commit.ts). 1 commits one
   * batch at a time.
   */
  readonly pipelineDepth?: number;
}
