/**
 * The witness state contract: per log origin, the latest checkpoint a witness
 * cosigned (c2sp.org/tlog-witness). A witness answers an add-checkpoint
 * request only after the new state is durable, and the check against the old
 * state and the update are one atomic step, so two concurrent requests can
 * never both advance from the same state.
 *
 * Calls are synchronous (better-sqlite3 is); sizes are safe integers; roots
 * are 32-byte SHA-256 values.
 */

/** The latest checkpoint a witness cosigned for one log. */
export interface WitnessedCheckpoint {
  /** The checkpoint origin (first line of its text): the log's identity. */
  readonly origin: string;
  readonly size: number;
  /** 32-byte RFC 6962 root at `size`. */
  readonly root: Uint8Array;
  /** The checkpoint note as the log sent it (text, blank line, the log's signatures). */
  readonly note: string;
  /** Milliseconds since the epoch at which the witness accepted it. */
  readonly time: number;
}

/** The state an advance expects to replace: undefined when nothing is stored for the origin. */
export type WitnessExpectation = Pick<WitnessedCheckpoint, 'size' | 'root'> | undefined;

/** The outcome of {@link WitnessStore.advance}. */
export type AdvanceResult =
  | { readonly ok: true }
  /** The stored state was not the expected one; `current` is what is stored now (undefined: nothing). */
  | { readonly ok: false; readonly current: WitnessedCheckpoint | undefined };

/**
 * A witness's state store.
 *
 * Durability: when `advance` returns `{ok: true}`, the new state is on disk
 * (WAL, synchronous=FULL for SQLite) and survives a crash or power loss.
 * Atomicity: `advance` is a compare-and-swap on (size, root) of the origin's
 * stored checkpoint; it writes nothing unless the stored state equals
 * `expected` exactly. It does not judge consistency: the caller proves it
 * before calling, against the state it read.
 */
export interface WitnessStore {
  /** The latest cosigned checkpoint for `origin`, or undefined when the witness never cosigned one. */
  latest(origin: string): WitnessedCheckpoint | undefined;
  /**
   * Replace the state of `next.origin` with `next` iff it equals `expected`
   * (see the interface contract). `next.size` MUST be ≥ `expected.size`
   * (INTERNAL otherwise: a caller bug).
   */
  advance(expected: WitnessExpectation, next: WitnessedCheckpoint): AdvanceResult;
  /** Close the store; later calls throw SHUTTING_DOWN. Idempotent. */
  close(): void;
}
