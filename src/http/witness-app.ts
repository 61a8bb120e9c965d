/**
 * createWitnessApp(deps): the HTTP surface of `cairn witness`
 * (c2sp.org/tlog-witness v1.0.0). It never listens itself.
 *
 *   POST /add-checkpoint   body: `old <size>\n` + proof lines + `\n` + checkpoint note
 *                          200 text/plain: the cosignature line(s)
 *                          409 text/x.tlog.size: `<latest cosigned size>\n`
 *                          400 / 403 / 404 / 422 / 413 / 5xx text/plain: why
 *   GET  /healthz          200 JSON {status, name, logs}
 *
 * Statuses come from the one error table (src/http/errors.ts); tlog-witness
 * defines only the status and, for 409, the body, so other errors are a
 * one-line text/plain message rather than the Rekor API's JSON.
 */
import express, { type ErrorRequestHandler, type Express, type Response } from 'express';
import { LogError } from '../errors.js';
import type { Witness } from '../witness/index.js';
import { STATUS, toLogError } from './errors.js';

export interface WitnessAppDeps {
  readonly witness: Witness;
  /** Largest accepted request body, bytes (default 64 KiB: 63 proof lines and a note with many signatures fit). */
  readonly maxBodyBytes?: number;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
  /** Called after each cosigned checkpoint (for logs and tests). */
  readonly onCosigned?: (origin: string, size: number) => void;
}

/** Default body limit of add-checkpoint requests. */
export const WITNESS_MAX_BODY_BYTES = 64 * 1024;

export function createWitnessApp(deps: WitnessAppDeps): Express {
  const { witness } = deps;
  const logError = deps.logError ?? (() => undefined);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post('/add-checkpoint', express.raw({ type: () => true, limit: deps.maxBodyBytes ?? WITNESS_MAX_BODY_BYTES }), (req, res) => {
    const body: unknown = req.body;
    if (!(body instanceof Uint8Array)) throw new LogError('BAD_REQUEST', 'the request has no body');
    const cosigned = witness.addCheckpoint(body);
    deps.onCosigned?.(cosigned.origin, cosigned.size);
    res.status(200).set('Content-Type', 'text/plain; charset=utf-8').set('Cache-Control', 'no-store').send(cosigned.signatures);
  });

  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok', name: witness.name, logs: witness.origins().length });
  });

  app.use((req, res) => sendWitnessError(res, new LogError('NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const le = toLogError(err);
    if (STATUS[le.code] >= 500) logError(`add-checkpoint failed with ${le.code}`, le.cause ?? le);
    sendWitnessError(res, le);
  };
  app.use(onError);
  return app;
}

/** tlog-witness error responses: 409 carries the size as text/x.tlog.size; the rest a text/plain line. */
function sendWitnessError(res: Response, err: LogError): void {
  const status = STATUS[err.code];
  res.status(status).set('Cache-Control', 'no-store');
  const size = err.details?.['size'];
  if (err.code === 'SIZE_CONFLICT' && typeof size === 'number') {
    // setHeader and a Buffer, so express does not append "; charset=utf-8" to the protocol's media type.
    res.setHeader('Content-Type', 'text/x.tlog.size');
    res.send(Buffer.from(`${size}\n`));
    return;
  }
  if (status === 503) res.set('Retry-After', '1');
  res.set('Content-Type', 'text/plain; charset=utf-8').send(`${err.code}: ${err.message}\n`);
}
