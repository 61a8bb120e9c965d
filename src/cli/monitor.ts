/**
 * `cairn monitor`: follows a log (see src/monitor). Events are JSON lines on
 * stdout (`verified`, `unchanged`, `awaiting-cosignatures`, `match`);
 * problems and the progress of a long catch-up go to stderr. During a
 * catch-up the state file is saved as it goes (with the progress lines), so
 * an interrupted run (a signal, a crash, SIGKILL) resumes where the last save
 * left it. Exit status:
 *
 *   0  every checkpoint checked was verified and consistent (--once), or stopped by a signal (the state saved)
 *   1  the log misbehaved: an inconsistency (with the evidence) or a checkpoint not signed by its key
 *   2  bad configuration or state file
 *   3  nothing could be verified now (--once): the log is unreachable, or the checkpoint lacks cosignatures
 */
import { readFileSync } from 'node:fs';
import { RekorClient, parseVerifierKey, type CheckpointTrust, type TiledLog, type VerifierKey } from '../client/index.js';
import type { MonitorConfig } from '../config/index.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import {
  ProgressMeter,
  Watchlist,
  formatEvidence,
  isEvidence,
  monitorStep,
  readState,
  startAtLatest,
  writeState,
  type CatchUpProgress,
  type KnownCheckpoint,
  type MonitorState,
  type ResumeFrom,
  type StepOutcome,
} from '../monitor/index.js';
import { SIG_TYPE_ED25519 } from '../note/index.js';
import { followRotation, readRotation } from './monitor-rotation.js';

export interface MonitorIo {
  /** One JSON event per call (a line on stdout). */
  readonly event: (e: Record<string, unknown>) => void;
  /** Human-readable problems (stderr). */
  readonly problem: (text: string) => void;
  /** Aborted on SIGTERM/SIGINT in follow mode. */
  readonly signal?: AbortSignal;
  /** Defaults to the client library's RekorClient of `config.logUrl`. */
  readonly client?: TiledLog;
  /** Progress lines of a long catch-up (stderr); defaults to `problem`. */
  readonly progress?: (text: string) => void;
  /** Milliseconds for rates and intervals; defaults to Date.now. */
  readonly now?: () => number;
  /** The client of a frozen tree (`<log-url>/shard/<treeID>`), for --rotation; defaults to HTTP. */
  readonly shardClient?: (treeId: string) => TiledLog;
}

/** Thrown from the progress callback when a signal arrived: the state is saved, the run ends. */
class Stopped extends Error {}

/** Runs the monitor per `config`; resolves with the exit status (see the module comment). */
export async function runMonitor(config: MonitorConfig, io: MonitorIo): Promise<number> {
  const noteKey = vkeyOf(config.vkey, '--vkey');
  if (noteKey.type !== SIG_TYPE_ED25519) throw new LogError('CONFIG_INVALID', `--vkey ${config.vkey}: a witness's cosignature key (type 0x04), not a log's note key (type 0x01)`);
  const witnesses = config.witnesses.map((w) => vkeyOf(w, '--witness'));
  const trust: CheckpointTrust = { noteKey, witnesses };
  const minWitnesses = config.minWitnesses ?? witnesses.length;
  if (minWitnesses > witnesses.length) {
    throw new LogError('CONFIG_INVALID', `--min-witnesses ${minWitnesses} is more than the ${witnesses.length} witnesses listed with --witness`);
  }
  const watch = new Watchlist(
    config.watchKeys.map((file) => ({ label: file, pem: readPem(file) })),
    config.watchDigests,
    config.watchIdentities,
  );
  let state = readState(config.stateFile);
  if (state !== undefined && config.origin !== undefined && state.origin !== config.origin) {
    throw new LogError('CONFIG_INVALID', `--origin ${JSON.stringify(config.origin)} differs from the origin in ${config.stateFile}: ${JSON.stringify(state.origin)}`);
  }
  const http = (url: string): TiledLog => new RekorClient(url, { timeoutMs: config.timeoutMs, userAgent: 'cairn-monitor' });
  const client = io.client ?? http(config.logUrl);

  const now = io.now ?? Date.now;
  const progress = io.progress ?? io.problem;
  const rotation = config.rotation === undefined ? undefined : readRotation(config.rotation);
  for (;;) {
    if (rotation !== undefined && state !== undefined && state.catchUp === undefined) {
      // A rotation the monitor was told about: finish the frozen tree under its prefix, then start the new one.
      try {
        const shardClient = io.shardClient?.(rotation.frozen.treeID) ?? http(`${config.logUrl.replace(/\/+$/, '')}/shard/${rotation.frozen.treeID}`);
        const moved = await followRotation(rotation, state, { client: shardClient, trust, minWitnesses, origin: state.origin }, now());
        if (moved !== undefined) {
          state = moved.state;
          writeState(config.stateFile, state);
          io.event({ event: 'rotated', frozenTreeID: rotation.frozen.treeID, frozenTreeSize: moved.frozenSize, origin: state.origin });
        }
      } catch (err) {
        if (misbehaved(err, io, ' of the frozen tree')) return 1;
        if (!unavailable(err)) throw err;
        io.problem(`couldn't check the frozen tree: ${describeError(err)}\n`);
        if (config.mode === 'once') return 3;
        if (!(await sleep(config.intervalMs, io.signal))) return 0;
        continue;
      }
    }
    const last: KnownCheckpoint = state === undefined
      ? { size: 0, root: EMPTY_ROOT, note: '' }
      : { size: state.size, root: new Uint8Array(Buffer.from(state.root, 'base64')), note: state.note };
    const resume: ResumeFrom | undefined = state?.catchUp === undefined
      ? undefined
      : { note: state.catchUp.note, point: { next: state.catchUp.next, root: new Uint8Array(Buffer.from(state.catchUp.root, 'base64')) } };
    const meter = new ProgressMeter(resume?.point.next ?? last.size, now(), config.progressIntervalMs);
    let latest: CatchUpProgress | undefined;
    /** Saves how far the catch-up got: the last verified checkpoint stays, `catchUp` says where to resume. */
    const saveCatchUp = (p: CatchUpProgress): void => {
      const cp = p.target.checkpoint;
      const base: MonitorState = state ?? { version: 1, origin: cp.origin, size: 0, root: Buffer.from(EMPTY_ROOT).toString('base64'), note: '', verifiedAt: new Date(now()).toISOString() };
      state = { ...base, catchUp: { note: p.target.note, next: p.point.next, root: Buffer.from(p.point.root).toString('base64') } };
      writeState(config.stateFile, state);
    };
    const onProgress = (p: CatchUpProgress): void => {
      latest = p;
      // Matches first, then the state: a crash in between reports them again rather than never.
      for (const m of p.matches) io.event({ event: 'match', ...m });
      if (io.signal?.aborted === true) {
        saveCatchUp(p);
        progress(`stopped: ${meter.report(p.point.next, p.target.checkpoint.size, p.tiles, now()).line}; state saved in ${config.stateFile}\n`);
        throw new Stopped();
      }
      const report = meter.update(p.point.next, p.target.checkpoint.size, p.tiles, now());
      if (report === undefined) return;
      saveCatchUp(p);
      progress(`${report.line}\n`);
    };
    try {
      const deps = { client, trust, minWitnesses, origin: state?.origin ?? config.origin, watch, onProgress };
      const out: StepOutcome = state === undefined && config.start === 'latest' ? await startAtLatest(deps) : await monitorStep(last, deps, resume);
      const cp = out.checkpoint.checkpoint;
      const base = { treeSize: cp.size, root: Buffer.from(cp.root).toString('base64'), witnesses: out.checkpoint.witnesses };
      if (out.status === 'awaiting-cosignatures') {
        io.event({ event: 'awaiting-cosignatures', ...base, need: out.need });
        if (config.mode === 'once') return 3;
      } else if (out.status === 'unchanged' && state !== undefined) {
        io.event({ event: 'unchanged', ...base });
      } else {
        // Advanced, or a first run on an empty log (pins the origin).
        const matches = out.status === 'advanced' ? out.matches : [];
        for (const m of matches) io.event({ event: 'match', ...m });
        state = { version: 1, origin: cp.origin, size: cp.size, root: base.root, note: out.checkpoint.note, verifiedAt: new Date(now()).toISOString() } satisfies MonitorState;
        writeState(config.stateFile, state);
        if (meter.reported && latest !== undefined) progress(`caught up: ${meter.report(cp.size, cp.size, latest.tiles, now()).line}\n`);
        const resumed = out.status === 'advanced' && out.resumedAt !== undefined ? { resumedAt: out.resumedAt } : {};
        io.event({ event: 'verified', ...base, from: out.status === 'advanced' ? out.from : 0, ...resumed, matches: matches.length });
      }
      if (out.checkpoint.badCosignatures.length > 0) io.problem(`cosignatures that do not verify: ${out.checkpoint.badCosignatures.join(', ')}\n`);
    } catch (err) {
      if (err instanceof Stopped) return 0;
      if (misbehaved(err, io, '')) return 1;
      if (!unavailable(err)) throw err;
      // Keep the progress made: the next attempt resumes from it.
      if (latest !== undefined) saveCatchUp(latest);
      io.problem(`couldn't check the log: ${describeError(err)}\n`);
      if (config.mode === 'once') return 3;
    }
    if (config.mode === 'once') return 0;
    if (!(await sleep(config.intervalMs, io.signal))) return 0;
  }
}

/**
 * Exit 1's errors, reported with their evidence: an inconsistency (tiles or
 * bundles contradicting the checkpoint, a fork, a rollback, another origin)
 * or a checkpoint its key did not sign. False for anything else.
 */
function misbehaved(err: unknown, io: MonitorIo, what: string): boolean {
  if (isLogError(err, 'INCONSISTENT') || isLogError(err, 'PROOF_INVALID')) {
    io.problem(isEvidence(err.details) ? formatEvidence(err.details) : `INCONSISTENT${what}: ${err.message}\n`);
    return true;
  }
  if (isLogError(err, 'NOTE_INVALID')) {
    const note = typeof err.details?.['note'] === 'string' ? `\n${err.details['note']}` : '';
    io.problem(`INVALID CHECKPOINT${what}: ${err.message}${note}\n`);
    return true;
  }
  return false;
}

/** Exit 3's errors: nothing verifiable now (the client could not read the log, or it answered outside tlog-tiles; a frozen tree awaiting cosignatures). */
function unavailable(err: unknown): boolean {
  return isLogError(err) && ['LOG_UNREACHABLE', 'LOG_REJECTED', 'LOG_RESPONSE_INVALID', 'UPSTREAM_FAILED'].includes(err.code);
}

function vkeyOf(vkey: string, flag: string): VerifierKey {
  try {
    return parseVerifierKey(vkey);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `${flag} ${vkey}: ${describeError(err)}`);
  }
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `--watch-key ${file}: ${describeError(err)}`);
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
