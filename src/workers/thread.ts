/**
 * A thread of the worker pool (pool.ts). Runs `admit` tasks
 * (admitSubmission: parse, schema-check, prepare) and `sign` tasks (with the
 * log key or the note key given at start: Ed25519, or ECDSA P-256 as DER; a
 * key in a PKCS#11 token signs through this thread's own session, opened on
 * first use and left open until the thread ends). The API contract is compiled once, when
 * the thread starts.
 *
 * Signing goes first: a batch waiting for its signatures holds up every
 * submitter in it, while an admission holds up only its own. Tasks are
 * queued as they arrive and run one per turn of the event loop, so a signing
 * task that arrives behind a burst of admissions overtakes them; its reply
 * leaves at once, while admissions' replies travel together (≤ 1 ms late).
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { admitSubmission } from '../admission/index.js';
import { loadApiSpec } from '../api/index.js';
import { requireNativeEcdsa } from '../entry/index.js';
import { LogError, describeError } from '../errors.js';
import { openSigningKey, type SigningKey } from '../keys/index.js';
import { signWithKey } from '../log/index.js';
import type { ReplyBatch, SigningKeyName, TaskBatch, TaskReply, TaskRequest, ThreadData } from './protocol.js';

const data = (workerData ?? {}) as ThreadData;
// Name the thread (Linux; elsewhere this fails and is skipped), so that `top -H` and the benchmarks' per-thread CPU tell it apart.
try {
  writeFileSync('/proc/thread-self/comm', 'cairn-worker');
} catch {
  // not Linux, or /proc not mounted: the name is only a convenience
}
// Each thread loads the native verifier for itself; CAIRN_REQUIRE_NATIVE=1 makes the JS fallback an error here too.
if (process.env['CAIRN_REQUIRE_NATIVE'] === '1') requireNativeEcdsa();
const api = loadApiSpec(data.openapiPath);

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** This thread's sessions on token keys, by key name. Never closed: C_Finalize would end every session of the process. */
const tokenKeys = new Map<SigningKeyName, Promise<SigningKey>>();

function tokenKey(name: SigningKeyName, uri: string): Promise<SigningKey> {
  let key = tokenKeys.get(name);
  if (key === undefined) {
    key = openSigningKey(uri);
    tokenKeys.set(name, key);
    key.catch(() => tokenKeys.delete(name)); // retried by the next task
  }
  return key;
}

/** A `sign` task with a token key: one signature at a time on this thread's session. */
async function signInToken(m: TaskRequest & { task: 'sign' }, uri: string): Promise<TaskReply> {
  try {
    const key = await tokenKey(m.key, uri);
    const signatures: string[] = [];
    for (const msg of m.messages) signatures.push(latin1(await key.sign(Buffer.from(msg, 'latin1'))));
    return { id: m.id, signatures };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('KEY_UNAVAILABLE', `couldn't sign in the token: ${describeError(err)}`);
    return { id: m.id, err: { code: e.code, message: e.message } };
  }
}

function run(m: TaskRequest): TaskReply | Promise<TaskReply> {
  try {
    if (m.task === 'admit') {
      const e = admitSubmission(api, Buffer.from(m.raw, 'latin1'), m.limits, m.form);
      return { id: m.id, admitted: { kind: e.kind, body: latin1(e.body), leafHash: latin1(e.leafHash), searchKeys: e.searchKeys } };
    }
    const key = data.signingKeys?.[m.key];
    if (key === undefined) throw new LogError('INTERNAL', `this worker pool was given no ${m.key} key to sign with`);
    if (typeof key === 'string') return signInToken(m, key);
    return { id: m.id, signatures: m.messages.map((msg) => latin1(signWithKey(key, Buffer.from(msg, 'latin1')))) };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('INTERNAL', `worker task ${m.task} failed`);
    return { id: m.id, err: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: { ...e.details } }) } };
  }
}

const signing: TaskRequest[] = [];
const admitting: TaskRequest[] = [];
let scheduled = false;
/** Replies not yet posted, and when the oldest of them was made (performance.now(), ms). */
let outbox: TaskReply[] = [];
let oldest = 0;
/** Most time a finished admission's reply waits for others to travel with it, ms. */
const REPLY_BATCH_MS = 1;

function runOne(): void {
  scheduled = false;
  const m = signing.shift() ?? admitting.shift();
  if (m === undefined) return;
  const reply = run(m);
  if (reply instanceof Promise) {
    // Signed in a token: the reply leaves alone, when the token answers; meanwhile the thread admits.
    void reply.then((r) => parentPort?.postMessage({ replies: [r] } satisfies ReplyBatch));
    if (signing.length + admitting.length > 0) schedule();
    return;
  }
  if (outbox.length === 0) oldest = performance.now();
  outbox.push(reply);
  const more = signing.length + admitting.length > 0;
  // A signature holds up a whole batch: it leaves at once. Admissions leave together, at most REPLY_BATCH_MS late.
  if (m.task === 'sign' || !more || performance.now() - oldest >= REPLY_BATCH_MS) {
    const batch: ReplyBatch = { replies: outbox };
    parentPort?.postMessage(batch);
    outbox = [];
  }
  if (more) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runOne);
}

parentPort?.on('message', ({ tasks }: TaskBatch) => {
  for (const m of tasks) (m.task === 'sign' ? signing : admitting).push(m);
  schedule();
});
