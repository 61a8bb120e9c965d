/**
 * createWebhookApp(deps): the HTTP surface of `cairn admit`, served by the
 * log's dispatcher (src/http: body limits, JSON errors, 404/405). It never
 * listens itself (server.ts does, over TLS).
 *
 *   POST /validate   AdmissionReview in, AdmissionReview out: allowed or not (review.ts)
 *   POST /mutate     the same, plus a JSONPatch pinning admitted images to their digests
 *   GET  /healthz    200 {"status":"ok"} once a policy is loaded
 *   GET  /metrics    Prometheus text (metrics.ts)
 *
 * A body that is not an `admission.k8s.io/v1` AdmissionReview is 400 with a
 * JSON error naming what is wrong (the apiserver only sends well-formed
 * reviews: a 400 means something else is talking to the webhook). Every
 * review is answered 200 within `timeoutMs`: the images are evaluated under
 * a signal that fires `marginMs` earlier, and whatever is unfinished then is
 * answered as TIMEOUT (denied, or allowed with --fail-open).
 */
import { LogError } from '../errors.js';
import type { PolicyEvaluator } from '../policy/index.js';
import { dispatcher, errorReply, get, jsonReply, post, typedReply, type Dispatcher, type RequestParts } from '../http/index.js';
import { admissionReviewResponse, parseAdmissionReview } from './admission-review.js';
import type { Endpoint, WebhookMetrics } from './metrics.js';
import { reviewAdmission, type Review } from './review.js';

export interface WebhookAppDeps {
  /** The policy in force now (it may be swapped by a reload between requests). */
  readonly evaluator: () => PolicyEvaluator;
  /** The apiserver's timeout for this webhook (`timeoutSeconds`), ms. */
  readonly timeoutMs: number;
  /** How long before `timeoutMs` evaluation stops, to leave time to answer. Default: a quarter of it, at most 1 s. */
  readonly marginMs?: number;
  /** Images evaluated at once per request (default 8). */
  readonly concurrency?: number;
  readonly failOpen: boolean;
  readonly metrics: WebhookMetrics;
  /** Largest accepted body, bytes (default 4 MiB: an object and its old version at etcd's 1.5 MiB limit fit). */
  readonly maxBodyBytes?: number;
  /** Called with each answered review (for the log). */
  readonly onReview?: (endpoint: Endpoint, review: Review, ms: number, dryRun: boolean) => void;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const NO_STORE = { 'Cache-Control': 'no-store' };

/** The deadline margin for a timeout: a quarter of it, at most 1 s. */
export function defaultMarginMs(timeoutMs: number): number {
  return Math.min(1000, Math.floor(timeoutMs / 4));
}

export function createWebhookApp(deps: WebhookAppDeps): Dispatcher {
  const margin = deps.marginMs ?? defaultMarginMs(deps.timeoutMs);
  const concurrency = deps.concurrency ?? 8;
  const handle = (endpoint: Endpoint) => async (req: RequestParts) => {
    const t0 = performance.now();
    let request;
    try {
      if (req.body === undefined) throw new LogError('BAD_REQUEST', "couldn't read the AdmissionReview: expected a JSON body (Content-Type: application/json)");
      request = parseAdmissionReview(req.body);
    } catch (err) {
      deps.metrics.badRequest();
      throw err;
    }
    const signal = AbortSignal.timeout(Math.max(1, deps.timeoutMs - margin));
    const review = await reviewAdmission(request, { evaluator: deps.evaluator(), signal, concurrency, failOpen: deps.failOpen, mutate: endpoint === 'mutate' });
    const ms = performance.now() - t0;
    deps.metrics.admission(endpoint, review.verdict, review.outcomes, ms / 1000);
    deps.onReview?.(endpoint, review, ms, request.dryRun);
    return jsonReply(admissionReviewResponse(review.response), NO_STORE);
  };
  return dispatcher({
    routes: [
      post('/validate', 'json', handle('validate')),
      post('/mutate', 'json', handle('mutate')),
      get('/healthz', () => jsonReply({ status: 'ok' }, NO_STORE)),
      get('/metrics', () => typedReply('text/plain; version=0.0.4; charset=utf-8', deps.metrics.text(), NO_STORE)),
    ],
    maxRequestBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    errorReply,
    ...(deps.logError === undefined ? {} : { logError: deps.logError }),
  });
}
