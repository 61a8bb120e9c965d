/**
 * createApp(deps) builds the request listener of the Rekor/C2SP API: the one
 * route table (every route the API serves, each declared once in routes/*.ts)
 * served by the dispatcher (dispatch.ts) behind the guard chain (guards.ts).
 * It never listens: the CLI does, and tests drive it with supertest. The API
 * contract (openapi.yaml) is loaded and compiled here, once per process.
 */
import type { IntegrityAuditStatus, LogService, WitnessStatus } from '../log/index.js';
import { inlineAdmission, type Admission } from '../admission/index.js';
import { systemClock, type Clock } from '../clock.js';
import { AdminGate, type AdminAudit } from './admin.js';
import type { AccessPolicy } from './auth.js';
import type { CorsOptions } from './cors.js';
import type { ApiLimits, RouteContext } from './context.js';
import { dispatcher, type Dispatcher } from './dispatch.js';
import { errorReply } from './errors.js';
import { requestGuards } from './guards.js';
import type { RateLimitOptions } from './rate-limit.js';
import { loadApiSpec } from '../api/index.js';
import type { Route } from './route.js';
import { bothServed, type ServedListener } from './served.js';
import { submitTimings } from './submit-timings.js';
import { Metrics } from './metrics.js';
import { ENTRIES_PATH } from './submit.js';
import type { OneTimeCodes } from './totp.js';
import { adminRoutes, type AdminOperations } from './routes/admin.js';
import { adminLogRoutes } from './routes/admin-log.js';
import { checkpointRoutes } from './routes/checkpoint.js';
import { checkpointHistoryRoutes } from './routes/checkpoints.js';
import { entryRoutes } from './routes/entries.js';
import { explorerRoutes } from './routes/explorer.js';
import { healthRoutes } from './routes/health.js';
import { indexRoutes } from './routes/index-search.js';
import { logInfoRoutes } from './routes/log-info.js';
import { auditMetrics, clusterMetrics, logMetrics, metricsRoute, tileCacheMetrics } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { proofRoutes } from './routes/proof.js';
import { rekorV2Routes } from './routes/rekor-v2.js';
import { signingConfigRoutes } from './routes/signing-config.js';
import { retrieveRoutes } from './routes/retrieve.js';
import { tileRoutes } from './routes/tiles.js';
import { shardRoutes } from './routes/shards.js';
import { adminRotateRoutes } from './routes/admin-rotate.js';
import { clusterRoutes } from './routes/cluster.js';
import type { ClusterHooks } from './cluster.js';
import { FullTileCache } from './full-tiles.js';

export interface AppDeps {
  readonly log: LogService;
  /** The Rekor v2 tree (its own origin and tiles) behind POST /api/v2/log/entries and /api/v2/…; without it those routes are absent. */
  readonly logV2?: LogService;
  /** Largest accepted request body, bytes; beyond it 413 TOO_LARGE. */
  readonly maxRequestBytes: number;
  /** Largest canonical entry body, bytes (≤ 65,535; default 65,535); beyond it 413 TOO_LARGE. */
  readonly maxEntryBytes?: number;
  /** Most items in one entries/retrieve request (default 10, as Rekor); beyond it 422 TOO_MANY. */
  readonly maxSearchItems?: number;
  /** Most entry IDs one index search returns (default 1,000). */
  readonly maxSearchResults?: number;
  /**
   * Full tiles and entry bundles kept as served, shared by every log's tile
   * routes (full-tiles.ts); default a FullTileCache of
   * DEFAULT_FULL_TILE_CACHE_BYTES (64 MiB).
   */
  readonly fullTiles?: FullTileCache;
  /** openapi.yaml to load; default: found above this module (repo root, or /app in the image). */
  readonly openapiPath?: string;
  /** Where submissions are prepared (default: inline on the event loop; the server uses a worker pool). */
  readonly admission?: Admission;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
  /** The witness collector's state, for GET /metrics (default: no witnesses). */
  readonly witnessStatus?: () => readonly WitnessStatus[];
  /** The integrity audit's progress, for GET /metrics (`cairn_audit_*`; default: no audit). */
  readonly integrityAudit?: () => IntegrityAuditStatus;
  /** Bearer-token access control (auth.ts); default none: every route is open, as Rekor's are. */
  readonly access?: AccessPolicy;
  /** Per-client rate limit (rate-limit.ts); default none. */
  readonly rateLimit?: RateLimitOptions;
  /** Proxy hops whose X-Forwarded-For is trusted for the client address (guards.ts clientAddress); default 0. */
  readonly trustProxy?: number;
  /** Whether the server is shutting down (GET /readyz answers 503 "shutting down"); default never. */
  readonly stopping?: () => boolean;
  /** Told of every answered request (the access log); default none. */
  readonly onServed?: ServedListener;
  /** The version `cairn_build_info` names (`cairn --version`); default `unknown`. */
  readonly version?: string;
  /** Whether GET /metrics is served by this app (false when the metrics have a port of their own); default true. */
  readonly metricsOnApi?: boolean;
  /** CORS on the read routes (cors.ts); default none. */
  readonly cors?: CorsOptions;
  /**
   * Admin operations under /api/v1/admin/ (admin.ts): they always need role
   * admin (so none is served without `access`); `otp` adds the one-time
   * code, `audit` records every admin request, `operations` are what the
   * log's own admin routes do (routes/admin.ts).
   */
  readonly admin?: {
    readonly otp?: OneTimeCodes;
    readonly audit?: AdminAudit;
    readonly operations?: AdminOperations;
    /** The admin audit log, served at /api/v1/admin-log (routes/admin-log.ts); absent: those routes answer 404. */
    readonly log?: LogService;
  };
  /** Time of admin records and one-time codes; default the system clock. */
  readonly clock?: Clock;
  /** The built web explorer served at `/` (routes/explorer.ts); default dist/www. */
  readonly explorerDir?: string;
  /**
   * One node of several on one database (cluster.ts, built by src/cluster):
   * admitted entries go to the sequencing node, the internal forwarding
   * route is served, the probes and /metrics tell the node's role. Default:
   * a single node.
   */
  readonly cluster?: ClusterHooks;
}

/** Most certificates in a submitted chain (Rekor's limit). */
const MAX_CHAIN_LENGTH = 10;

/** The listener serving every route of the API; `.routes` is the route table, `.metrics` what GET /metrics exposes. */
export type CairnApp = Dispatcher & { readonly metrics: Metrics };

export function createApp(deps: AppDeps): CairnApp {
  const limits: ApiLimits = {
    maxEntryBytes: deps.maxEntryBytes ?? 65_535,
    maxChainLength: MAX_CHAIN_LENGTH,
    maxSearchItems: deps.maxSearchItems ?? 10,
    maxSearchResults: deps.maxSearchResults ?? 1_000,
  };
  const api = loadApiSpec(deps.openapiPath);
  const metrics = new Metrics({ version: deps.version ?? 'unknown', role: 'log' }, [ENTRIES_PATH]);
  logMetrics(metrics, deps.log, deps.witnessStatus ?? (() => []));
  if (deps.cluster !== undefined) clusterMetrics(metrics, deps.cluster);
  if (deps.integrityAudit !== undefined) auditMetrics(metrics, deps.integrityAudit);
  const fullTiles = deps.fullTiles ?? new FullTileCache();
  tileCacheMetrics(metrics, fullTiles);
  const ctx: RouteContext = {
    log: deps.log,
    fullTiles,
    api,
    limits,
    admission: deps.admission ?? inlineAdmission({ openapiPath: deps.openapiPath }),
    timings: submitTimings(metrics),
    ...(deps.cluster === undefined ? {} : { cluster: deps.cluster }),
  };
  const routes: Route[] = [
    ...entryRoutes(ctx),
    ...tileRoutes(deps.log, '', { full: fullTiles }),
    ...healthRoutes(deps.log, { ...(deps.stopping === undefined ? {} : { stopping: deps.stopping }), ...(deps.cluster === undefined ? {} : { cluster: deps.cluster }) }),
    ...checkpointRoutes(deps.log),
    ...logInfoRoutes(deps.log),
    ...checkpointHistoryRoutes(ctx),
    ...(deps.metricsOnApi === false ? [] : [metricsRoute(metrics)]),
    ...proofRoutes(ctx),
    ...retrieveRoutes(ctx),
    ...indexRoutes(ctx),
    ...openapiRoutes(api),
    ...adminRoutes(deps.admin?.operations ?? {}),
    ...(deps.logV2 === undefined ? [] : [...rekorV2Routes(ctx, deps.logV2), ...signingConfigRoutes(deps.log, deps.logV2)]),
    ...adminLogRoutes(deps.admin?.log, fullTiles),
    ...explorerRoutes(deps.explorerDir),
    ...shardRoutes(deps.log, fullTiles),
    ...adminRotateRoutes(deps.log),
    ...clusterRoutes(deps.log, deps.cluster, deps.logV2, deps.logError, deps.admin?.log),
  ];
  const admin = new AdminGate({
    tokens: deps.access !== undefined,
    clock: deps.clock ?? systemClock(),
    ...(deps.admin?.otp === undefined ? {} : { otp: deps.admin.otp }),
    ...(deps.admin?.audit === undefined ? {} : { audit: deps.admin.audit }),
  });
  const onServed = deps.onServed;
  const listener = dispatcher({
    routes,
    guards: requestGuards(deps),
    tokens: deps.access?.tokens ?? [],
    admin,
    trustProxy: deps.trustProxy ?? 0,
    maxRequestBytes: deps.maxRequestBytes,
    errorReply,
    ...(deps.logError === undefined ? {} : { logError: deps.logError }),
    ...(deps.cors === undefined ? {} : { cors: deps.cors }),
    ...(deps.cluster === undefined ? {} : { cluster: deps.cluster }),
    onServed: bothServed(metrics.served, onServed),
  });
  return Object.assign(listener, { metrics });
}
