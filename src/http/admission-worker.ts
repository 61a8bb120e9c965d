/**
 * Worker thread of the admission pool (see admission.ts): runs prepareEntry
 * on each request, after parsing and schema-checking it when it arrives as
 * the raw bytes of a request body, and signs SET payloads with the log key
 * when the pool was given it (those first). The API contract is compiled
 * once, when the worker starts.
 */
import { sign, type KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { prepareEntry, requireNativeEcdsa } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { AdmissionReply, AdmissionRequest } from './admission.js';
import { loadApiSpec } from './openapi.js';
import { admitRawSubmission } from './raw-submission.js';

const data = (workerData ?? {}) as { openapiPath?: string; entryTimestampKey?: KeyObject };
// Each thread loads the native verifier for itself; CAIRN_REQUIRE_NATIVE=1 makes the JS fallback an error here too.
if (process.env['CAIRN_REQUIRE_NATIVE'] === '1') requireNativeEcdsa();
const api = loadApiSpec(data.openapiPath);

function signAll(payloads: readonly Uint8Array[]): Uint8Array[] {
  const key = data.entryTimestampKey;
  if (key === undefined) throw new LogError('INTERNAL', 'this worker has no key to sign entry timestamps with');
  return payloads.map((p) => sign(null, p, key));
}

function handle(m: AdmissionRequest): AdmissionReply {
  try {
    if ('sign' in m) return { id: m.id, sigs: signAll(m.sign) };
    return { id: m.id, ok: 'raw' in m ? admitRawSubmission(api, m.raw, m.limits) : prepareEntry(m.proposed, m.limits) };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('INTERNAL', 'admission failed');
    return { id: m.id, err: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: { ...e.details } }) } };
  }
}

// Signing requests go first: a batch waiting for its SETs holds up every
// submitter in it, while an admission only holds up its own. Messages are
// queued here as they arrive and run one per turn of the event loop, so a
// signing request that arrives behind a burst of admissions overtakes them.
const signing: AdmissionRequest[] = [];
const admitting: AdmissionRequest[] = [];
let scheduled = false;

function runOne(): void {
  scheduled = false;
  const m = signing.shift() ?? admitting.shift();
  if (m === undefined) return;
  parentPort?.postMessage(handle(m));
  if (signing.length + admitting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runOne);
}

parentPort?.on('message', (m: AdmissionRequest) => {
  ('sign' in m ? signing : admitting).push(m);
  schedule();
});
