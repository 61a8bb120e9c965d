/**
 * createWitnessApp(deps): the HTTP surface of `cairn witness`
 * (c2sp.org/tlog-witness v1.0.0), served by the same dispatcher as the log's
 * API (dispatch.ts). It never listens itself.
 *
 *   POST /add-checkpoint   body: `old <size>\n` + proof lines + `\n` + checkpoint note
 *                          200 text/plain: the cosignature line(s)
 *                          409 text/x.tlog.size: `<latest cosigned size>\n`
 *                          400 / 403 / 404 / 422 / 413 / 5xx text/plain: why
 *   GET  /healthz          200 JSON {status, name, logs}
 *   GET  /metrics          Prometheus text (metrics.ts): process, requests, refusals by
 *                          code, `cairn_witness_logs`, `cairn_witness_cosigned_total{origin}`,
 *                          `cairn_witness_cosigned_size{origin}`
 *
 * Statuses come from the one error table (src/http/errors.ts); tlog-witness
 * defines only the status and, for 409, the body, so other errors are a
 * one-line text/plain message rather than the Rekor API's JSON.
 */
import { LogError } from '../errors.js';
import type { Witness } from '../witness/index.js';
import { dispatcher, type Dispatcher } from './dispatch.js';
import { STATUS } from './errors.js';
import { jsonReply, typedReply, type Reply } from './reply.js';
import { get, post } from './route.js';
import { bothServed, type ServedListener } from './served.js';
import { Counter } from 'prom-client';
import { Metrics, gaugeFrom } from './metrics.js';
import { metricsRoute } from './routes/metrics.js';

export interface WitnessAppDeps {
  readonly witness: Witness;
  /** Largest accepted request body, bytes (default 64 KiB: 63 proof lines and a note with many signatures fit). */
  readonly maxBodyBytes?: number;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
  /** Called after each cosigned checkpoint (for logs and tests). */
  readonly onCosigned?: (origin: string, size: number) => void;
  /** Told of every answered request (the access log); default none. */
  readonly onServed?: ServedListener;
  /** The version `cairn_build_info` names; default `unknown`. */
  readonly version?: string;
}

/** Default body limit of add-checkpoint requests. */
export const WITNESS_MAX_BODY_BYTES = 64 * 1024;

const NO_STORE = { 'Cache-Control': 'no-store' };

export function createWitnessApp(deps: WitnessAppDeps): Dispatcher & { readonly metrics: Metrics } {
  const { witness } = deps;
  const metrics = new Metrics({ version: deps.version ?? 'unknown', role: 'witness' }, ['/add-checkpoint']);
  const cosigned = new Counter({ name: 'cairn_witness_cosigned_total', help: 'Checkpoints cosigned since start, by log origin.', labelNames: ['origin'], registers: [metrics.registry] });
  const sizes = new Map<string, number>();
  gaugeFrom(metrics, 'cairn_witness_logs', 'Logs this witness is configured to cosign.', [], () => [[{}, witness.origins().length]]);
  gaugeFrom(metrics, 'cairn_witness_cosigned_size', 'Size of the latest checkpoint cosigned since start, by log origin.', ['origin'], () => [...sizes].map(([origin, size]) => [{ origin }, size] as const));
  const onServed = deps.onServed;
  const listener = dispatcher({
    routes: [
      post('/add-checkpoint', 'bytes', async (req) => {
        if (req.raw === undefined) throw new LogError('BAD_REQUEST', 'the request has no body');
        const done = await witness.addCheckpoint(req.raw);
        cosigned.inc({ origin: done.origin });
        sizes.set(done.origin, Math.max(done.size, sizes.get(done.origin) ?? 0));
        deps.onCosigned?.(done.origin, done.size);
        return typedReply('text/plain; charset=utf-8', done.signatures, NO_STORE);
      }),
      get('/healthz', () => jsonReply({ status: 'ok', name: witness.name, logs: witness.origins().length }, NO_STORE)),
      metricsRoute(metrics),
    ],
    maxRequestBytes: deps.maxBodyBytes ?? WITNESS_MAX_BODY_BYTES,
    errorReply: witnessErrorReply,
    ...(deps.logError === undefined ? {} : { logError: deps.logError }),
    onServed: bothServed(metrics.served, onServed),
  });
  return Object.assign(listener, { metrics });
}

/** tlog-witness error responses: 409 carries the size as text/x.tlog.size; the rest a text/plain line. */
function witnessErrorReply(err: LogError): Reply {
  const status = STATUS[err.code];
  const size = err.details?.['size'];
  if (err.code === 'SIZE_CONFLICT' && typeof size === 'number') {
    return { status, headers: { ...NO_STORE, 'Content-Type': 'text/x.tlog.size' }, body: `${size}\n`, code: err.code };
  }
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'text/plain; charset=utf-8', ...(status === 503 ? { 'Retry-After': '1' } : {}) },
    body: `${err.code}: ${err.message}\n`,
    code: err.code,
  };
}
