/**
 * Admission: turning a proposed entry into a PreparedEntry (validation,
 * signature verification, canonicalisation: the CPU-heavy part of a
 * submission, DESIGN.md "write path" step 1). Two implementations:
 *
 * - inline: on the calling thread (tests, single-core machines);
 * - a worker pool: `n` worker threads run prepareEntry, so signature checks
 *   use the other cores and the event loop keeps serving HTTP and sequencing.
 *
 * Both give identical results: the same prepareEntry runs in both, and a
 * LogError thrown in a worker is rebuilt with its code, message and details.
 *
 * `prepareRaw` takes the request body's bytes instead of a parsed object: the
 * JSON parsing and the schema check then happen where prepareEntry runs
 * (raw-submission.ts), and only bytes cross to the worker, not a structured
 * clone of the parsed body.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { prepareEntry, type EntryLimits, type PreparedEntry } from '../entry/index.js';
import { LogError, type ErrorCode } from '../errors.js';
import type { EntryTimestampSigner } from '../log/index.js';
import { loadApiSpec } from './openapi.js';
import { admitRawSubmission } from './raw-submission.js';

export interface Admission {
  /** Prepare a proposed entry; rejects with the LogError prepareEntry throws. */
  prepare(proposed: unknown, limits: EntryLimits): Promise<PreparedEntry>;
  /**
   * Parse `raw` as a JSON request body (express.json's strict rules), check it
   * against createLogEntry's schema, and prepare it; rejects with BAD_REQUEST,
   * SCHEMA_INVALID or what prepareEntry throws.
   */
  prepareRaw(raw: Uint8Array, limits: EntryLimits): Promise<PreparedEntry>;
  /** Stop the workers (pending calls reject with SHUTTING_DOWN). Idempotent. */
  close(): Promise<void>;
}

export interface AdmissionOptions {
  /** openapi.yaml whose createLogEntry schema `prepareRaw` checks; default: found above src/http (loadApiSpec). */
  readonly openapiPath?: string;
  /**
   * The log's private key: with it, the pool also signs SETs for the
   * sequencer (EntryTimestampSigner), so that signing leaves the event loop too.
   */
  readonly entryTimestampKey?: KeyObject;
}

/** Admission on the calling thread. */
export function inlineAdmission(opts: AdmissionOptions = {}): Admission {
  const settle = (f: () => PreparedEntry): Promise<PreparedEntry> => {
    try {
      return Promise.resolve(f());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    prepare: (proposed, limits) => settle(() => prepareEntry(proposed, limits)),
    prepareRaw: (raw, limits) => settle(() => admitRawSubmission(loadApiSpec(opts.openapiPath), raw, limits)),
    close: () => Promise.resolve(),
  };
}

/** Messages between the pool and its workers. */
export type AdmissionRequest =
  | { readonly id: number; readonly proposed: unknown; readonly limits: EntryLimits }
  | { readonly id: number; readonly raw: Uint8Array; readonly limits: EntryLimits }
  | { readonly id: number; readonly sign: readonly Uint8Array[] };
export type AdmissionReply =
  | { readonly id: number; readonly ok: PreparedEntry }
  | { readonly id: number; readonly sigs: Uint8Array[] }
  | { readonly id: number; readonly err: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (reply: AdmissionReply) => void; reject: (e: unknown) => void }>;
}

/**
 * A pool of `size` ≥ 1 worker threads running prepareEntry, started on first
 * use; calls go to the least busy worker. With `entryTimestampKey` it also
 * signs SETs, a batch's payloads split across the workers.
 */
export function workerAdmission(size: number, opts: AdmissionOptions = {}): Admission & EntryTimestampSigner & { start(): void } {
  const url = new URL('./admission-worker.js', import.meta.url);
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const spawn = (i: number): void => {
    const slot: Slot = { worker: new Worker(url, { workerData: { openapiPath: opts.openapiPath, entryTimestampKey: opts.entryTimestampKey } }), pending: new Map() };
    slot.worker.unref();
    slot.worker.on('message', (m: AdmissionReply) => {
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      slot.pending.delete(m.id);
      if ('err' in m) p.reject(new LogError(m.err.code, m.err.message, m.err.details === undefined ? undefined : { details: m.err.details }));
      else p.resolve(m);
    });
    const fail = (why: string): void => {
      for (const p of slot.pending.values()) p.reject(new LogError(closed ? 'SHUTTING_DOWN' : 'INTERNAL', `admission worker ${why}`));
      slot.pending.clear();
      if (!closed) spawn(i); // replace a crashed worker
    };
    slot.worker.on('error', (err) => fail(`failed: ${err.message}`));
    slot.worker.on('exit', (code) => {
      if (slots[i] === slot) fail(`exited with code ${code}`);
    });
    slots[i] = slot;
  };
  // Threads start with the first submission, or when start() is called (the server does at once, so that
  // no submitter waits ~0.3 s for a thread to start and compile the API schema).
  const start = (): void => {
    if (slots.length > 0 || closed) return;
    for (let i = 0; i < Math.max(1, size); i++) spawn(i);
  };

  const send = (make: (id: number) => AdmissionRequest, to?: Slot): Promise<AdmissionReply> => {
    if (closed) return Promise.reject(new LogError('SHUTTING_DOWN', 'the server is shutting down'));
    start();
    let best = to ?? slots[0]!;
    if (to === undefined) for (const s of slots) if (s.pending.size < best.pending.size) best = s;
    const id = nextId++;
    return new Promise<AdmissionReply>((resolve, reject) => {
      best.pending.set(id, { resolve, reject });
      best.worker.postMessage(make(id));
    });
  };
  const prepared = (reply: AdmissionReply): PreparedEntry => {
    if (!('ok' in reply)) throw new LogError('INTERNAL', 'admission worker answered out of turn');
    const e = reply.ok;
    return { kind: e.kind, body: Buffer.from(e.body), leafHash: Buffer.from(e.leafHash), searchKeys: e.searchKeys };
  };

  return {
    start,
    prepare: (proposed, limits) => send((id) => ({ id, proposed, limits })).then(prepared),
    prepareRaw: (raw, limits) => send((id) => ({ id, raw, limits })).then(prepared),
    async signEntryTimestamps(payloads) {
      if (opts.entryTimestampKey === undefined) throw new LogError('INTERNAL', 'this admission pool was given no key to sign entry timestamps with');
      if (payloads.length === 0) return [];
      start();
      const per = Math.ceil(payloads.length / Math.max(1, slots.length));
      const parts = await Promise.all(
        slots.map((slot, i) => {
          const part = payloads.slice(i * per, (i + 1) * per);
          return part.length === 0 ? Promise.resolve([]) : send((id) => ({ id, sign: part }), slot).then(signatures);
        }),
      );
      return parts.flat();
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = slots.splice(0);
      await Promise.all(all.map((s) => s.worker.terminate()));
      for (const s of all) for (const p of s.pending.values()) p.reject(new LogError('SHUTTING_DOWN', 'the server is shutting down'));
    },
  };
}

function signatures(reply: AdmissionReply): Uint8Array[] {
  if (!('sigs' in reply)) throw new LogError('INTERNAL', 'admission worker answered out of turn');
  return reply.sigs.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
}
