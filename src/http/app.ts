/**
 * createApp(deps) builds the request listener of the Rekor/C2SP API: the
 * express application, behind the hot routes (hot-routes.ts). It never
 * listens: the CLI does, and tests drive it with supertest. The API contract
 * (openapi.yaml) is loaded and compiled here, once per process.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { LogError } from '../errors.js';
import type { LogService, WitnessStatus } from '../log/index.js';
import { inlineAdmission, type Admission } from '../admission/index.js';
import type { ApiLimits, RouteContext } from './context.js';
import { errorHandler, sendError } from './errors.js';
import type { AccessPolicy } from './auth.js';
import { requestGuards } from './guards.js';
import { hotRoutes } from './hot-routes.js';
import type { RateLimitOptions } from './rate-limit.js';
import { loadApiSpec } from '../api/index.js';
import { SubmitTimings } from './submit-timings.js';
import { checkpointRoutes } from './routes/checkpoint.js';
import { checkpointHistoryRoutes } from './routes/checkpoints.js';
import { ENTRIES_PATH } from './submit.js';
import { entryRoutes } from './routes/entries.js';
import { healthRoutes } from './routes/health.js';
import { indexRoutes } from './routes/index-search.js';
import { logInfoRoutes } from './routes/log-info.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { proofRoutes } from './routes/proof.js';
import { retrieveRoutes } from './routes/retrieve.js';
import { tileRoutes } from './routes/tiles.js';

export interface AppDeps {
  readonly log: LogService;
  /** Largest accepted request body, bytes; beyond it 413 TOO_LARGE. */
  readonly maxRequestBytes: number;
  /** Largest canonical entry body, bytes (≤ 65,535; default 65,535); beyond it 413 TOO_LARGE. */
  readonly maxEntryBytes?: number;
  /** Most items in one entries/retrieve request (default 10, as Rekor); beyond it 422 TOO_MANY. */
  readonly maxSearchItems?: number;
  /** Most entry IDs one index search returns (default 1,000). */
  readonly maxSearchResults?: number;
  /** openapi.yaml to load; default: found above this module (repo root, or /app in the image). */
  readonly openapiPath?: string;
  /** Where submissions are prepared (default: inline on the event loop; the server uses a worker pool). */
  readonly admission?: Admission;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
  /** The witness collector's state, for GET /metrics (default: no witnesses). */
  readonly witnessStatus?: () => readonly WitnessStatus[];
  /** Bearer-token access control (auth.ts); default none: every route is open, as Rekor's are. */
  readonly access?: AccessPolicy;
  /** Per-client rate limit (rate-limit.ts); default none. */
  readonly rateLimit?: RateLimitOptions;
  /** Proxy hops whose X-Forwarded-For is trusted for the client address (express `trust proxy`); default 0. */
  readonly trustProxy?: number;
}

/** Media types read as JSON request bodies. */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Most certificates in a submitted chain (Rekor's limit). */
const MAX_CHAIN_LENGTH = 10;

/**
 * The listener serving every route. Without request guards the hot routes run
 * before express is entered at all; with guards they run inside express,
 * after them, so a guard applies to every route alike.
 */
export type CairnApp = RequestListener & {
  /** The express application behind the hot routes (for inspection, e.g. of its routes). */
  readonly express: Express;
};

export function createApp(deps: AppDeps): CairnApp {
  const limits: ApiLimits = {
    maxEntryBytes: deps.maxEntryBytes ?? 65_535,
    maxChainLength: MAX_CHAIN_LENGTH,
    maxSearchItems: deps.maxSearchItems ?? 10,
    maxSearchResults: deps.maxSearchResults ?? 1_000,
  };
  const api = loadApiSpec(deps.openapiPath);
  const ctx: RouteContext = {
    log: deps.log,
    api,
    limits,
    admission: deps.admission ?? inlineAdmission({ openapiPath: deps.openapiPath }),
    timings: new SubmitTimings(),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if ((deps.trustProxy ?? 0) > 0) app.set('trust proxy', deps.trustProxy);
  const guards = requestGuards(deps);
  const hot = hotRoutes(ctx, deps.maxRequestBytes);
  if (guards.length > 0) {
    app.use(guards);
    app.use(hot);
  }
  // Submissions reach admission as the body's bytes (parsed there, by the API's one JSON rule set); other JSON bodies are parsed here.
  app.post(ENTRIES_PATH, express.raw({ limit: deps.maxRequestBytes, type: JSON_TYPES }));
  app.use(express.json({ limit: deps.maxRequestBytes, strict: true, type: JSON_TYPES }));
  app.use(healthRoutes(deps.log));
  app.use(checkpointRoutes(deps.log));
  app.use(tileRoutes(deps.log));
  app.use(logInfoRoutes(deps.log));
  app.use(checkpointHistoryRoutes(ctx));
  app.use(metricsRoutes(deps.log, deps.witnessStatus ?? (() => []), ctx.timings));
  app.use(proofRoutes(ctx));
  app.use(retrieveRoutes(ctx));
  app.use(entryRoutes(ctx));
  app.use(indexRoutes(ctx));
  app.use(openapiRoutes(api));
  app.use((req, res) => sendError(res, new LogError('NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  const onError = errorHandler(deps.logError ?? (() => undefined));
  app.use(onError);
  const listener: RequestListener =
    guards.length > 0
      ? (req, res) => app(req, res)
      : (req: IncomingMessage, res: ServerResponse) => {
          hot(req, res, (err?: unknown) => {
            if (err === undefined) app(req, res);
            else onError(err, req as express.Request, res as express.Response, () => undefined);
          });
        };
  return Object.assign(listener, { express: app });
}
