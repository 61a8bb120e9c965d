/** Worker thread of the admission pool (see admission.ts): runs prepareEntry on each request. */
import { parentPort } from 'node:worker_threads';
import { prepareEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { AdmissionReply, AdmissionRequest } from './admission.js';

parentPort?.on('message', (m: AdmissionRequest) => {
  let reply: AdmissionReply;
  try {
    reply = { id: m.id, ok: prepareEntry(m.proposed, m.limits) };
  } catch (err) {
    const e = err instanceof LogError ? err : new LogError('INTERNAL', 'admission failed');
    reply = { id: m.id, err: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: { ...e.details } }) } };
  }
  parentPort?.postMessage(reply);
});
