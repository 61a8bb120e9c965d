/**
 * The metrics of one server process, on prom-client (the Node client of
 * Prometheus): its registry, the families every Cairn server exposes, and
 * ways to add more. Exposition: the Prometheus text format 0.0.4, served by
 * routes/metrics.ts on the API port or on a port of its own
 * (`metricsListener`).
 *
 * Every server has:
 * - prom-client's default process metrics (`process_*`, `nodejs_*`: CPU,
 *   memory, file descriptors, event-loop lag, GC);
 * - `cairn_build_info{version, node, role}` = 1;
 * - `cairn_http_requests_total{route, method, status}` and
 *   `cairn_http_request_duration_seconds{route, method}` (a histogram), fed
 *   by the dispatcher's Served records (served.ts): `route` is the route
 *   template or `none`, `method` one of GET HEAD POST OPTIONS or `other`, so
 *   label values stay few whatever clients send;
 * - `cairn_submissions_refused_total{code}`: answers ≥ 400 to a submission
 *   route, by error code (`DUPLICATE`, `SCHEMA_INVALID`, `RATE_LIMITED`, …).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Served, ServedListener } from './served.js';

export interface BuildInfo {
  /** The package version (`cairn --version`). */
  readonly version: string;
  /** What the process serves: `log`, `witness`. */
  readonly role: string;
}

/** Upper bounds of the request-duration buckets, seconds: 0.5 ms to 10 s. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #durations: Histogram<'route' | 'method'>;
  readonly #refused: Counter<'code'>;
  readonly #submitRoutes: ReadonlySet<string>;
  /** Label children by route, method and status: a Map lookup per request instead of hashing labels. */
  readonly #children = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();

  /** `submitRoutes`: the `POST` route templates whose refusals count in cairn_submissions_refused_total. */
  constructor(build: BuildInfo, submitRoutes: readonly string[] = []) {
    const info = new Gauge({ name: 'cairn_build_info', help: 'Always 1; the labels say which build runs.', labelNames: ['version', 'node', 'role'], registers: [this.registry] });
    info.set({ version: build.version, node: process.version, role: build.role }, 1);
    this.#requests = new Counter({ name: 'cairn_http_requests_total', help: 'Answered HTTP requests by route template, method and status.', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
    this.#durations = new Histogram({
      name: 'cairn_http_request_duration_seconds',
      help: 'Time from a request reaching the router to its answer being written, by route template and method.',
      labelNames: ['route', 'method'],
      buckets: REQUEST_BUCKETS,
      registers: [this.registry],
    });
    this.#refused = new Counter({ name: 'cairn_submissions_refused_total', help: 'Submissions answered with an error, by error code.', labelNames: ['code'], registers: [this.registry] });
    this.#submitRoutes = new Set(submitRoutes);
  }

  /** The listener counting each answered request (give it to the dispatcher). */
  readonly served: ServedListener = (s: Served): void => {
    const method = METHODS.has(s.method) ? s.method : 'other';
    const key = `${s.route}\u0000${method}\u0000${s.status}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = { count: this.#requests.labels(s.route, method, String(s.status)), duration: this.#durations.labels(s.route, method) };
      this.#children.set(key, child);
    }
    child.count.inc();
    child.duration.observe(s.durationMs / 1000);
    if (s.status >= 400 && method === 'POST' && this.#submitRoutes.has(s.route)) this.#refused.inc({ code: s.error ?? String(s.status) });
  };

  /** The exposition text of every family: the process's, then this server's. */
  async text(): Promise<string> {
    return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
  }

  /** The Content-Type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

let processMetrics: Registry | undefined;

/**
 * prom-client's default metrics, collected once per process whatever the
 * number of servers (or of test apps) in it: each collection starts
 * event-loop and GC observers that are never stopped.
 */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    // Gauges named like counters (promtool's lint refuses them); each is the sum of the labelled gauge without `_total`.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processMetrics.removeSingleMetric(name);
  }
  return processMetrics;
}

/** A gauge whose samples are read at each scrape from `read` (label sets and values; undefined values are left out). */
export function gaugeFrom<L extends string>(
  m: Metrics,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => ReadonlyArray<readonly [Partial<Record<L, string>>, number | undefined]>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [m.registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) if (v !== undefined) this.set(labels, v);
    },
  });
}

/** A counter whose samples are read at each scrape from `read` (for totals another object keeps). */
export function counterFrom<L extends string>(
  m: Metrics,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => ReadonlyArray<readonly [Partial<Record<L, string>>, number | undefined]>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [m.registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) if (v !== undefined) this.inc(labels, v);
    },
  });
}
