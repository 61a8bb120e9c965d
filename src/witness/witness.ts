/**
 * A tlog-witness (c2sp.org/tlog-witness v1.0.0, with the HEAD clarifications
 * noted below): checks that each checkpoint a log submits is signed by the
 * log and consistent with the latest one the witness cosigned for that log,
 * records it durably, and only then cosigns it (c2sp.org/tlog-cosignature
 * v1.0.1: timestamped Ed25519, key ID type 0x04).
 *
 * Decisions are errors with stable codes; the HTTP layer maps them to the
 * statuses the spec requires:
 *
 * | check (in this order)                                           | code            | status |
 * | --------------------------------------------------------------- | --------------- | ------ |
 * | body, note or checkpoint text malformed                         | BAD_REQUEST     | 400    |
 * | origin is not a log this witness is configured for              | NOT_FOUND       | 404    |
 * | no valid signature by a configured key (or a failing one, HEAD) | FORBIDDEN       | 403    |
 * | old size > checkpoint size                                      | BAD_REQUEST     | 400    |
 * | old size ≠ latest cosigned size (0 if none); details.size       | SIZE_CONFLICT   | 409    |
 * | proof fails; non-empty with old 0; same size other root (HEAD); |                 |        |
 * | size 0 with a root other than SHA-256("") (HEAD)                | PROOF_REJECTED  | 422    |
 *
 * Not pure (it reads and writes its store), but it does no network I/O and
 * takes its clock, key and store as parameters.
 */
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { EMPTY_ROOT, hashesEqual, verifyConsistency } from '../merkle/index.js';
import {
  cosignAsync,
  openNote,
  parseAddCheckpoint,
  parseCheckpoint,
  parseNote,
  type Checkpoint,
  type AsyncCosigner,
  type Cosigner,
  type NoteVerifier,
} from '../note/index.js';
import type { WitnessStore, WitnessedCheckpoint } from '../storage/index.js';

/** A log this witness cosigns for: its origin and the keys its checkpoints must be signed with. */
export interface WitnessedLog {
  /** The checkpoint origin, exactly as the first line of the log's checkpoints. */
  readonly origin: string;
  /** Verifiers of the log's checkpoint signatures (e.g. parseVkey of its vkey); at least one. */
  readonly verifiers: readonly NoteVerifier[];
}

export interface WitnessOptions {
  /** The witness's cosigning key (key name and type-0x04 key ID); it may sign asynchronously (a token). */
  readonly cosigner: Cosigner | AsyncCosigner;
  /** The logs it witnesses; origins MUST be distinct. */
  readonly logs: readonly WitnessedLog[];
  /** Its durable state: latest cosigned checkpoint per origin. */
  readonly store: WitnessStore;
  /** Source of cosignature timestamps (POSIX seconds = ⌊now / 1000⌋). */
  readonly clock: Clock;
}

/** What a successful add-checkpoint produced. */
export interface Cosigned {
  readonly origin: string;
  readonly size: number;
  /** The response body: one cosignature line, final newline included. */
  readonly signatures: string;
}

export class Witness {
  readonly #cosigner: Cosigner | AsyncCosigner;
  readonly #logs: ReadonlyMap<string, WitnessedLog>;
  readonly #store: WitnessStore;
  readonly #clock: Clock;

  constructor(opts: WitnessOptions) {
    const logs = new Map<string, WitnessedLog>();
    for (const log of opts.logs) {
      if (logs.has(log.origin)) throw new LogError('CONFIG_INVALID', `log origin ${JSON.stringify(log.origin)} is configured twice`);
      if (log.verifiers.length === 0) throw new LogError('CONFIG_INVALID', `log ${JSON.stringify(log.origin)} has no verifier key`);
      logs.set(log.origin, log);
    }
    this.#cosigner = opts.cosigner;
    this.#logs = logs;
    this.#store = opts.store;
    this.#clock = opts.clock;
  }

  /** The cosigner's key name. */
  get name(): string {
    return this.#cosigner.name;
  }

  /** The origins this witness cosigns for. */
  origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** The latest checkpoint cosigned for `origin`, if any. */
  latest(origin: string): WitnessedCheckpoint | undefined {
    return this.#store.latest(origin);
  }

  /**
   * Handles one add-checkpoint request body (attacker-controlled). Resolves
   * with the cosignature once the new state is durable (the key signs after); throws LogError with the
   * codes of the module table, or STORE_FAILED / SHUTTING_DOWN when the state
   * could not be written (nothing was cosigned).
   */
  async addCheckpoint(body: string | Uint8Array): Promise<Cosigned> {
    const req = parseAddCheckpoint(body);
    const { text, checkpoint } = parseSubmitted(req.checkpoint);
    const log = this.#logs.get(checkpoint.origin);
    if (log === undefined) throw new LogError('NOT_FOUND', `unknown log origin ${JSON.stringify(checkpoint.origin)}`);
    try {
      openNote(req.checkpoint, log.verifiers);
    } catch (err) {
      throw new LogError('FORBIDDEN', `the checkpoint is not validly signed by a key of ${JSON.stringify(log.origin)}: ${describeError(err)}`);
    }
    if (req.oldSize > checkpoint.size) {
      throw new LogError('BAD_REQUEST', `old size ${req.oldSize} is larger than the checkpoint's size ${checkpoint.size}`);
    }
    const stored = this.#store.latest(log.origin);
    const knownSize = stored?.size ?? 0;
    if (req.oldSize !== knownSize) {
      throw conflict(knownSize, `old size ${req.oldSize} is not ${knownSize}, the latest size cosigned for ${JSON.stringify(log.origin)}`);
    }
    checkConsistent(req.oldSize, stored?.root ?? EMPTY_ROOT, checkpoint, req.proof);

    const sameState = stored !== undefined && stored.size === checkpoint.size;
    if (!sameState) {
      const next = { origin: log.origin, size: checkpoint.size, root: checkpoint.root, note: req.checkpoint, time: this.#clock.now() };
      const result = this.#store.advance(stored, next);
      if (!result.ok) {
        const size = result.current?.size ?? 0;
        throw conflict(size, `another request moved the state of ${JSON.stringify(log.origin)} to size ${size} first`);
      }
    }
    // Only now, with the state durable, is the checkpoint cosigned.
    const timestamp = Math.floor(this.#clock.now() / 1000);
    return { origin: log.origin, size: checkpoint.size, signatures: await cosignAsync(this.#cosigner, text, timestamp) };
  }
}

/** Parses the submitted note and its checkpoint text; anything malformed is the client's fault (400). */
function parseSubmitted(note: string): { text: string; checkpoint: Checkpoint } {
  try {
    const { text } = parseNote(note);
    return { text, checkpoint: parseCheckpoint(text) };
  } catch (err) {
    if (isLogError(err, 'NOTE_INVALID')) throw new LogError('BAD_REQUEST', `malformed checkpoint: ${err.message}`);
    throw err;
  }
}

/**
 * The proof checks of tlog-witness: an empty proof from size 0, the empty
 * root at size 0, the same root at the same size, RFC 9162 §2.1.4.2 otherwise.
 */
function checkConsistent(oldSize: number, oldRoot: Uint8Array, cp: Checkpoint, proof: readonly Uint8Array[]): void {
  if (cp.size === 0 && !hashesEqual(cp.root, EMPTY_ROOT)) {
    throw new LogError('PROOF_REJECTED', 'a checkpoint of size 0 must have the root SHA-256("")');
  }
  if (oldSize === 0 && proof.length > 0) {
    throw new LogError('PROOF_REJECTED', `the consistency proof from size 0 must be empty, it has ${proof.length} hashes`);
  }
  if (oldSize === cp.size && !hashesEqual(oldRoot, cp.root)) {
    throw new LogError('PROOF_REJECTED', `the checkpoint has size ${cp.size}, as the one cosigned, but a different root`);
  }
  try {
    verifyConsistency(oldSize, cp.size, oldRoot, cp.root, proof);
  } catch (err) {
    if (!isLogError(err, 'PROOF_INVALID')) throw err;
    throw new LogError('PROOF_REJECTED', `the checkpoint is not proven consistent with the one cosigned at size ${oldSize}: ${err.message}`);
  }
}

/** 409: `details.size` is the size the client must send as `old` (the response body, text/x.tlog.size). */
function conflict(size: number, message: string): LogError<'SIZE_CONFLICT'> {
  return new LogError('SIZE_CONFLICT', message, { details: { size } });
}
