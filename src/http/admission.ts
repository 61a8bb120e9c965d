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
 */
import { Worker } from 'node:worker_threads';
import { prepareEntry, type EntryLimits, type PreparedEntry } from '../entry/index.js';
import { LogError, type ErrorCode } from '../errors.js';

export interface Admission {
  /** Prepare a proposed entry; rejects with the LogError prepareEntry throws. */
  prepare(proposed: unknown, limits: EntryLimits): Promise<PreparedEntry>;
  /** Stop the workers (pending calls reject with SHUTTING_DOWN). Idempotent. */
  close(): Promise<void>;
}

/** Admission on the calling thread. */
export function inlineAdmission(): Admission {
  return {
    prepare: (proposed, limits) => {
      try {
        return Promise.resolve(prepareEntry(proposed, limits));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    close: () => Promise.resolve(),
  };
}

/** Messages between the pool and its workers. */
export interface AdmissionRequest {
  readonly id: number;
  readonly proposed: unknown;
  readonly limits: EntryLimits;
}
export type AdmissionReply =
  | { readonly id: number; readonly ok: PreparedEntry }
  | { readonly id: number; readonly err: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (p: PreparedEntry) => void; reject: (e: unknown) => void }>;
}

/** A pool of `size` ≥ 1 worker threads running prepareEntry, started on first use; calls go to the least busy worker. */
export function workerAdmission(size: number): Admission {
  const url = new URL('./admission-worker.js', import.meta.url);
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const spawn = (i: number): void => {
    const slot: Slot = { worker: new Worker(url), pending: new Map() };
    slot.worker.unref();
    slot.worker.on('message', (m: AdmissionReply) => {
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      slot.pending.delete(m.id);
      if ('ok' in m) {
        const e = m.ok;
        p.resolve({ kind: e.kind, body: Buffer.from(e.body), leafHash: Buffer.from(e.leafHash), searchKeys: e.searchKeys });
      } else {
        p.reject(new LogError(m.err.code, m.err.message, m.err.details === undefined ? undefined : { details: m.err.details }));
      }
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
  // Threads start with the first submission: a log that only serves reads never pays for them (~30–60 MB each).
  const start = (): void => {
    for (let i = 0; i < Math.max(1, size); i++) spawn(i);
  };

  return {
    prepare(proposed, limits) {
      if (closed) return Promise.reject(new LogError('SHUTTING_DOWN', 'the server is shutting down'));
      if (slots.length === 0) start();
      let best = slots[0]!;
      for (const s of slots) if (s.pending.size < best.pending.size) best = s;
      const id = nextId++;
      return new Promise<PreparedEntry>((resolve, reject) => {
        best.pending.set(id, { resolve, reject });
        const msg: AdmissionRequest = { id, proposed, limits };
        best.worker.postMessage(msg);
      });
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
