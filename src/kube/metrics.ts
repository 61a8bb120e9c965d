/**
 * The webhook's counters, and GET /metrics in the Prometheus text format
 * 0.0.4, written by the log's own writer (src/http formatMetrics; no client
 * library):
 *
 * - `cairn_admit_requests_total{endpoint,verdict}`: answered AdmissionReviews;
 *   verdict allow, warn, deny (the policy refused), error (could not check:
 *   failed closed), fail_open (could not check: allowed by --fail-open);
 * - `cairn_admit_bad_requests_total`: bodies that were not an AdmissionReview (400);
 * - `cairn_admit_request_duration_seconds{endpoint}`: histogram, from the
 *   body read to the answer;
 * - `cairn_admit_images_total{decision}`: image verdicts (allow, warn, deny);
 * - `cairn_admit_cache_hits_total`, `cairn_admit_cache_misses_total`:
 *   verdicts served from the verified-digest cache, or evaluated afresh;
 * - `cairn_admit_reloads_total{file,result}`: policy and TLS reloads (ok, failed);
 * - `cairn_admit_policy_loaded_timestamp_seconds`: when the policy in force was loaded.
 */
import { formatMetrics, type Family, type Sample } from '../http/index.js';
import type { ImageOutcome } from './evaluate-images.js';
import type { AdmissionVerdict } from './review.js';

export type Endpoint = 'validate' | 'mutate';

/** Upper bounds of the latency histogram, seconds (the apiserver's timeout is at most 30 s). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export class WebhookMetrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<Endpoint, { counts: number[]; sum: number; count: number }>();
  readonly #images = new Map<string, number>();
  readonly #reloads = new Map<string, number>();
  #badRequests = 0;
  #hits = 0;
  #misses = 0;
  #policyLoadedMs = 0;

  /** One answered review: its verdict, its images' verdicts, its duration. */
  admission(endpoint: Endpoint, verdict: AdmissionVerdict, outcomes: readonly ImageOutcome[], seconds: number): void {
    bump(this.#requests, `${endpoint}\u0000${verdict}`);
    for (const o of outcomes) {
      bump(this.#images, o.verdict.decision);
      if (o.error !== undefined) continue;
      if (o.verdict.cached) this.#hits++;
      else this.#misses++;
    }
    let h = this.#latency.get(endpoint);
    if (h === undefined) this.#latency.set(endpoint, (h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    LATENCY_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  badRequest(): void {
    this.#badRequests++;
  }

  reload(file: 'policy' | 'tls', ok: boolean, atMs?: number): void {
    bump(this.#reloads, `${file}\u0000${ok ? 'ok' : 'failed'}`);
    if (file === 'policy' && ok && atMs !== undefined) this.#policyLoadedMs = atMs;
  }

  policyLoaded(atMs: number): void {
    this.#policyLoadedMs = atMs;
  }

  /** The exposition text. */
  text(): string {
    const split = (m: Map<string, number>, a: string, b: string): Sample[] =>
      [...m].map(([k, v]) => {
        const [x = '', y = ''] = k.split('\u0000');
        return [{ [a]: x, [b]: y }, v] as const;
      });
    const families: Family[] = [
      { name: 'cairn_admit_requests_total', type: 'counter', help: 'AdmissionReviews answered, by endpoint and verdict.', samples: split(this.#requests, 'endpoint', 'verdict') },
      { name: 'cairn_admit_bad_requests_total', type: 'counter', help: 'Request bodies that were not a usable AdmissionReview (400).', samples: [[{}, this.#badRequests]] },
      { name: 'cairn_admit_request_duration_seconds', type: 'histogram', help: 'Time from the request body to the answer.', samples: this.#histogramSamples() },
      { name: 'cairn_admit_images_total', type: 'counter', help: 'Image verdicts, by decision.', samples: [...this.#images].map(([d, v]) => [{ decision: d }, v] as const) },
      { name: 'cairn_admit_cache_hits_total', type: 'counter', help: 'Image verdicts served from the verified-digest cache.', samples: [[{}, this.#hits]] },
      { name: 'cairn_admit_cache_misses_total', type: 'counter', help: 'Image verdicts evaluated afresh (registry, signatures, log).', samples: [[{}, this.#misses]] },
      { name: 'cairn_admit_reloads_total', type: 'counter', help: 'Reloads of the policy and TLS files, by result.', samples: split(this.#reloads, 'file', 'result') },
      { name: 'cairn_admit_policy_loaded_timestamp_seconds', type: 'gauge', help: 'When the policy in force was loaded.', samples: [[{}, this.#policyLoadedMs / 1000]] },
    ];
    return formatMetrics(families);
  }

  #histogramSamples(): Sample[] {
    return [...this.#latency].flatMap(([endpoint, h]) => [
      ...LATENCY_BUCKETS.map((le, i) => [{ endpoint, le: String(le) }, h.counts[i]!, '_bucket'] as const),
      [{ endpoint, le: '+Inf' }, h.count, '_bucket'] as const,
      [{ endpoint }, h.sum, '_sum'] as const,
      [{ endpoint }, h.count, '_count'] as const,
    ]);
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}
