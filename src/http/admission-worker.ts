/**
 * Worker thread of the admission pool (see admission.ts): runs prepareEntry
 * on each request, after parsing and schema-checking it when it arrives as
 * the raw bytes of a request body, and signs SET payloads with the log key
 * when the pool was given it. The API contract is compiled once, when the
 * worker starts.
 */
import { sign, type KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { prepareEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { AdmissionReply, AdmissionRequest } from './admission.js';
import { loadApiSpec } from './openapi.js';
import { admitRawSubmission } from './raw-submission.js';

const data = (workerData ?? {}) as { openapiPath?: string; entryTimestampKey?: KeyObject };
const api = loadApiSpec(data.openapiPath);

function signAll(payloads: readonly Uint8Array[]): Uint8Array[] {
  const key = data.entryTimestampKey;
  if (key === undefined) throw new LogError('INTERNAL', 'this worker has no key to sign entry timestamps with');
  return payloads.map((p) => sign(null, p, key));
}

parentPort?.on('message', (m: AdmissionRequest) => {
  let reply: AdmissionReply;
  try {
    if ('sign' in m) reply = { id: m.id, sigs: signAll(m.sign) };
    else reply = { id: m.id, ok: 'raw' in m ? admitRawSubmission(api, m.raw, m.limits) : prepareEntry(m.proposed, m.limits) };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('INTERNAL', 'admission failed');
    reply = { id: m.id, err: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: { ...e.details } }) } };
  }
  parentPort?.postMessage(reply);
});
