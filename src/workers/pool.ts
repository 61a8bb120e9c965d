/**
 * A pool of worker threads for the CPU work around the log: admitting
 * submissions and signing with the log key. Created by the composition root
 * (cli/serve.ts), which hands its `admission` to the HTTP layer and its
 * `signer` to the log: neither sees the other, and the key stays here.
 *
 * - Calls go to the least busy thread; a batch's messages to sign are split
 *   across all threads (each signature is independent).
 * - Tasks leave in one message per thread per turn of the event loop, and at
 *   most WINDOW admissions are posted to a thread ahead of its replies.
 * - A thread that crashes fails its pending calls with INTERNAL and is
 *   replaced; after close() every call rejects with SHUTTING_DOWN.
 * - A LogError thrown in a thread is rebuilt with its code, message and details.
 */
import { Worker } from 'node:worker_threads';
import type { Admission, RequestForm } from '../admission/index.js';
import type { EntryLimits, PreparedEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import { logSigner, type KeySigner, type LogSigner } from '../log/index.js';
import type { PoolSigningKeys, ReplyBatch, SigningKeyName, Task, TaskBatch, TaskReply, TaskRequest, ThreadData } from './protocol.js';

export interface WorkerPoolOptions {
  /** Threads, ≥ 1. */
  readonly size: number;
  /** openapi.yaml whose createLogEntry schema admission checks; default: the one loadApiSpec finds. */
  readonly openapiPath?: string;
  /** The log's private keys (log key; note key unless the log key is Ed25519): with them the pool offers a `signer`. */
  readonly signingKeys?: PoolSigningKeys;
}

export interface WorkerPool {
  /** Admission in the pool's threads; its close() stops admitting, not the threads. */
  readonly admission: Admission;
  /** Signing SETs and checkpoints in the pool's threads (undefined without `signingKeys`). */
  readonly signer: LogSigner | undefined;
  /** Signing with one of the keys in the threads, to compose with a key held elsewhere (a token). */
  readonly keySigner: (key: SigningKeyName) => KeySigner | undefined;
  /**
   * Start the threads now (otherwise on first use): each takes ~0.3 s to start
   * and compile the API schema, which no submitter should wait for.
   */
  start(): void;
  /** Stop the threads; pending and later calls reject with SHUTTING_DOWN. Idempotent. */
  close(): Promise<void>;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (reply: TaskReply) => void; reject: (e: unknown) => void }>;
  /** Tasks not yet posted: they leave together, once this turn of the event loop is done. */
  outbox: TaskRequest[];
  /** Tasks posted and not yet answered. */
  posted: number;
}

/**
 * Most tasks posted to a thread and not yet answered. Beyond it admissions
 * wait in the outbox and leave together when replies come back: the thread
 * always has work queued, and under load one message carries many tasks
 * instead of one per turn of the event loop (each message costs both threads
 * a wake-up and a structured clone). Signing tasks are never held.
 */
const WINDOW = 16;

export function createWorkerPool(opts: WorkerPoolOptions): WorkerPool {
  const url = new URL('./thread.js', import.meta.url);
  const data: ThreadData = { ...(opts.openapiPath === undefined ? {} : { openapiPath: opts.openapiPath }), ...(opts.signingKeys === undefined ? {} : { signingKeys: opts.signingKeys }) };
  const threads: Thread[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (i: number): void => {
    const t: Thread = { worker: new Worker(url, { workerData: data }), pending: new Map(), outbox: [], posted: 0 };
    t.worker.unref();
    t.worker.on('message', ({ replies }: ReplyBatch) => {
      t.posted -= replies.length;
      if (t.outbox.length > 0 && t.posted < WINDOW) post(t);
      for (const m of replies) {
        const p = t.pending.get(m.id);
        if (p === undefined) continue;
        t.pending.delete(m.id);
        if ('err' in m) p.reject(new LogError(m.err.code, m.err.message, m.err.details === undefined ? undefined : { details: m.err.details }));
        else p.resolve(m);
      }
    });
    const fail = (why: string): void => {
      for (const p of t.pending.values()) p.reject(new LogError(closed ? 'SHUTTING_DOWN' : 'INTERNAL', `worker thread ${why}`));
      t.pending.clear();
      if (!closed) spawn(i); // replace a crashed thread
    };
    t.worker.on('error', (err) => fail(`failed: ${err.message}`));
    t.worker.on('exit', (code) => {
      if (threads[i] === t) fail(`exited with code ${code}`);
    });
    threads[i] = t;
  };
  const start = (): void => {
    if (threads.length > 0 || closed) return;
    for (let i = 0; i < Math.max(1, opts.size); i++) spawn(i);
  };

  const send = (task: Task, to?: Thread): Promise<TaskReply> => {
    if (closed) return Promise.reject(new LogError('SHUTTING_DOWN', 'the server is shutting down'));
    start();
    let best = to ?? threads[0]!;
    if (to === undefined) for (const t of threads) if (t.pending.size < best.pending.size) best = t;
    const id = nextId++;
    return new Promise<TaskReply>((resolve, reject) => {
      best.pending.set(id, { resolve, reject });
      best.outbox.push({ ...task, id });
      flushing ??= setImmediate(flush);
    });
  };
  let flushing: NodeJS.Immediate | undefined;
  const post = (t: Thread): void => {
    const batch: TaskBatch = { tasks: t.outbox };
    t.worker.postMessage(batch);
    t.posted += t.outbox.length;
    t.outbox = [];
  };
  const flush = (): void => {
    flushing = undefined;
    for (const t of threads) {
      if (t.outbox.length === 0) continue;
      if (t.posted >= WINDOW && !t.outbox.some((m) => m.task === 'sign')) continue;
      post(t);
    }
  };

  let admitting = true;
  const admission: Admission = {
    async admit(raw: Uint8Array, limits: EntryLimits, form?: RequestForm): Promise<PreparedEntry> {
      if (!admitting) throw new LogError('SHUTTING_DOWN', 'the server is shutting down');
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
      const reply = await send({ task: 'admit', raw: bytes, limits, ...(form === undefined ? {} : { form }) });
      if (!('admitted' in reply)) throw new LogError('INTERNAL', 'worker thread answered out of turn');
      const e = reply.admitted;
      return { kind: e.kind, body: Buffer.from(e.body, 'latin1'), leafHash: Buffer.from(e.leafHash, 'latin1'), searchKeys: e.searchKeys };
    },
    // Only admission stops: the log may still need the threads to sign the batch in flight.
    close() {
      admitting = false;
      return Promise.resolve();
    },
  };

  /** Signing with `key` in the threads: a batch's messages split evenly across all of them. */
  const keySigner = (key: SigningKeyName): KeySigner | undefined =>
    opts.signingKeys?.[key] === undefined
      ? undefined
      : {
          async sign(messages) {
            if (closed) throw new LogError('SHUTTING_DOWN', 'the server is shutting down');
            if (messages.length === 0) return [];
            start();
            const per = Math.ceil(messages.length / threads.length);
            const parts = await Promise.all(
              threads.map((t, i) => {
                const part = messages.slice(i * per, (i + 1) * per).map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString('latin1'));
                return part.length === 0 ? Promise.resolve([]) : send({ task: 'sign', key, messages: part }, t).then(signatures);
              }),
            );
            return parts.flat();
          },
        };
  const logKey = keySigner('log');
  const signer = logKey === undefined ? undefined : logSigner(logKey, keySigner('note'));

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const all = threads.splice(0);
    await Promise.all(all.map((t) => t.worker.terminate()));
    for (const t of all) for (const p of t.pending.values()) p.reject(new LogError('SHUTTING_DOWN', 'the server is shutting down'));
  }

  return { admission, signer, keySigner, start, close };
}

function signatures(reply: TaskReply): Uint8Array[] {
  if (!('signatures' in reply)) throw new LogError('INTERNAL', 'worker thread answered out of turn');
  return reply.signatures.map((s) => Buffer.from(s, 'latin1'));
}
