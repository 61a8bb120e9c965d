/**
 * A thread of the worker pool (pool.ts). Runs `admit` tasks
 * (admitSubmission: parse, schema-check, prepare) and `sign` tasks (Ed25519
 * with the log key given at start). The API contract is compiled once, when
 * the thread starts.
 *
 * Signing goes first: a batch waiting for its signatures holds up every
 * submitter in it, while an admission holds up only its own. Messages are
 * queued as they arrive and run one per turn of the event loop, so a signing
 * task that arrives behind a burst of admissions overtakes them.
 */
import { sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { admitSubmission } from '../admission/index.js';
import { loadApiSpec } from '../api/index.js';
import { requireNativeEcdsa } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { TaskReply, TaskRequest, ThreadData } from './protocol.js';

const data = (workerData ?? {}) as ThreadData;
// Each thread loads the native verifier for itself; CAIRN_REQUIRE_NATIVE=1 makes the JS fallback an error here too.
if (process.env['CAIRN_REQUIRE_NATIVE'] === '1') requireNativeEcdsa();
const api = loadApiSpec(data.openapiPath);

function run(m: TaskRequest): TaskReply {
  try {
    if (m.task === 'admit') return { id: m.id, admitted: admitSubmission(api, m.raw, m.limits) };
    const key = data.signingKey;
    if (key === undefined) throw new LogError('INTERNAL', 'this worker pool was given no key to sign with');
    return { id: m.id, signatures: m.messages.map((msg) => sign(null, msg, key)) };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('INTERNAL', `worker task ${m.task} failed`);
    return { id: m.id, err: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: { ...e.details } }) } };
  }
}

const signing: TaskRequest[] = [];
const admitting: TaskRequest[] = [];
let scheduled = false;

function runOne(): void {
  scheduled = false;
  const m = signing.shift() ?? admitting.shift();
  if (m === undefined) return;
  parentPort?.postMessage(run(m));
  if (signing.length + admitting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runOne);
}

parentPort?.on('message', (m: TaskRequest) => {
  (m.task === 'sign' ? signing : admitting).push(m);
  schedule();
});
