/**
 * GET /metrics: the Prometheus text exposition (format 0.0.4) of a server's
 * Metrics (metrics.ts), and the log's own families, read at each scrape:
 *
 * - `cairn_tree_size`, `cairn_checkpoint_timestamp_seconds`,
 *   `cairn_pool_entries`, `cairn_read_only` (1 when the log refuses writes),
 *   `cairn_batches_total`, `cairn_failed_batches_total`;
 * - per published batch of this process, `cairn_batch_entries` (a histogram
 *   of batch sizes) and `cairn_batch_step_seconds{step}` (a histogram of the
 *   time spent in each step of the commit routine: pool, sign, order, commit,
 *   sync, publish; BatchSteps in src/log/state.ts);
 * - per configured witness (`witness`, `url`): `cairn_witness_up`,
 *   `cairn_witness_cosigned_size`, `cairn_witness_consecutive_failures`,
 *   `cairn_witness_last_success_timestamp_seconds`,
 *   `cairn_witness_cosignatures_total`, `cairn_witness_conflicts_total`,
 *   `cairn_witness_failures_total`;
 * - the integrity audit's `cairn_audit_*` (auditMetrics);
 * - on a node of several on one database, `cairn_cluster_*` (clusterMetrics):
 *   the node's role, the lease epoch, takeovers, whether the database answers,
 *   and the requests and entries it forwarded to the sequencing node.
 *
 * formatMetrics is a small writer of the same format for surfaces that keep
 * their own counters (src/kube).
 */
import { Histogram } from 'prom-client';
import type { BatchSteps, IntegrityAuditStatus, LogService, WitnessStatus } from '../../log/index.js';
import type { ClusterHooks, ClusterView } from '../cluster.js';
import type { FullTileCache } from '../full-tiles.js';
import { dispatcher, type Dispatcher } from '../dispatch.js';
import { errorReply } from '../errors.js';
import { counterFrom, gaugeFrom, type Metrics } from '../metrics.js';
import { typedReply } from '../reply.js';
import { get, type Route } from '../route.js';

/** Labels, value, and for summaries and histograms the series suffix (`_sum`, `_count`, `_bucket`). */
export type Sample = readonly [labels: Readonly<Record<string, string>>, value: number, suffix?: string];

/** Families in exposition order; a family with no samples is left out. */
export interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter' | 'summary' | 'histogram';
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** GET /metrics with every family of `m`. */
export function metricsRoute(m: Metrics): Route {
  return get('/metrics', async () => typedReply(m.contentType, await m.text(), { 'Cache-Control': 'no-store' }));
}

/** A listener serving only GET /metrics (for a port of its own: --metrics-port). */
export function metricsListener(m: Metrics): Dispatcher {
  return dispatcher({ routes: [metricsRoute(m)], maxRequestBytes: 1024, errorReply });
}

/** Register the log's families and its witnesses' in `m`. */
export function logMetrics(m: Metrics, log: LogService, witnesses: () => readonly WitnessStatus[]): void {
  const status = (f: (s: ReturnType<LogService['status']>) => number) => () => [[{}, f(log.status())]] as const;
  gaugeFrom(m, 'cairn_tree_size', 'Size of the latest published checkpoint.', [], status((s) => s.size));
  gaugeFrom(m, 'cairn_checkpoint_timestamp_seconds', 'Time the latest checkpoint was signed.', [], () => [[{}, log.reader.latest().time / 1000]]);
  gaugeFrom(m, 'cairn_pool_entries', 'Entries waiting to be sequenced.', [], status((s) => s.poolSize));
  gaugeFrom(m, 'cairn_read_only', '1 when the log refuses writes.', [], status((s) => (s.readOnly === undefined ? 0 : 1)));
  counterFrom(m, 'cairn_batches_total', 'Batches committed since start.', [], status((s) => s.batches));
  counterFrom(m, 'cairn_failed_batches_total', 'Batches that failed to commit since start.', [], status((s) => s.failedBatches));
  batchMetrics(m, log);

  const each = (f: (w: WitnessStatus) => number | undefined) => () => witnesses().map((w) => [{ witness: w.name, url: w.url }, f(w)] as const);
  const labels = ['witness', 'url'] as const;
  gaugeFrom(m, 'cairn_witness_up', '1 when the last exchange with the witness succeeded.', labels, each((w) => (w.consecutiveFailures === 0 && w.lastError === undefined ? 1 : 0)));
  gaugeFrom(m, 'cairn_witness_cosigned_size', 'Largest checkpoint size the witness cosigned since start.', labels, each((w) => w.cosignedSize));
  gaugeFrom(m, 'cairn_witness_consecutive_failures', 'Failed exchanges since the last success.', labels, each((w) => w.consecutiveFailures));
  gaugeFrom(m, 'cairn_witness_last_success_timestamp_seconds', 'Time of the last cosignature.', labels, each((w) => (w.lastSuccessMs === undefined ? undefined : w.lastSuccessMs / 1000)));
  counterFrom(m, 'cairn_witness_cosignatures_total', 'Cosignatures collected since start.', labels, each((w) => w.cosignatures));
  counterFrom(m, 'cairn_witness_conflicts_total', '409 answers (old size corrected) since start.', labels, each((w) => w.conflicts));
  counterFrom(m, 'cairn_witness_failures_total', 'Failed exchanges since start.', labels, each((w) => w.failures));
}

/** Upper bounds of the batch-size buckets: 1 to the largest --batch-max-size. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 100000];
/** Upper bounds of the commit-step buckets, seconds: 50 µs to 5 s. */
const STEP_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5];

/** Batch sizes and where each published batch's time went, fed as batches are published. */
function batchMetrics(m: Metrics, log: LogService): void {
  const sizes = new Histogram({ name: 'cairn_batch_entries', help: 'Entries per published batch.', buckets: BATCH_SIZE_BUCKETS, registers: [m.registry] });
  const steps = new Histogram({
    name: 'cairn_batch_step_seconds',
    help: "Time each published batch spent per step of the commit: pool (its oldest entry's wait), sign, order (the batch before to commit), commit (the transaction), sync, publish (the batch before to publish).",
    labelNames: ['step'],
    buckets: STEP_BUCKETS,
    registers: [m.registry],
  });
  const names: ReadonlyArray<keyof BatchSteps> = ['pool', 'sign', 'order', 'commit', 'sync', 'publish'];
  const step = new Map(names.map((n) => [n, steps.labels(n)] as const));
  log.onPublish((p) => {
    sizes.observe(p.entries.length);
    const t = p.steps;
    if (t !== undefined) for (const [n, h] of step) h.observe(t[n] / 1000);
  });
}

/** Register the families of the served full tiles' cache (src/http/full-tiles.ts): what it holds, its hits and misses. */
export function tileCacheMetrics(m: Metrics, cache: FullTileCache): void {
  gaugeFrom(m, 'cairn_tile_cache_bytes', 'Bytes of full tiles and entry bundles kept as served (bodies and per-entry bookkeeping; at most --tile-cache-mb).', [], () => [[{}, cache.bytes]]);
  counterFrom(m, 'cairn_tile_cache_hits_total', 'Full tiles and entry bundles served from memory since start.', [], () => [[{}, cache.hits]]);
  counterFrom(m, 'cairn_tile_cache_misses_total', 'Full tiles and entry bundles read from the store to be served since start.', [], () => [[{}, cache.misses]]);
}

/** Register the integrity audit's families (src/log/integrity-audit.ts): its rate, where the pass is, what it found. */
export function auditMetrics(m: Metrics, audit: () => IntegrityAuditStatus): void {
  const one = (f: (a: IntegrityAuditStatus) => number | undefined) => () => [[{}, f(audit())]] as const;
  gaugeFrom(m, 'cairn_audit_rate_entries_per_second', 'Entries per second the integrity audit rehashes (0: off).', [], one((a) => a.ratePerSecond));
  gaugeFrom(m, 'cairn_audit_position_entries', 'Next entry the current integrity audit pass checks.', [], one((a) => a.position));
  gaugeFrom(m, 'cairn_audit_target_entries', 'Tree size the current integrity audit pass checks up to.', [], one((a) => a.target));
  counterFrom(m, 'cairn_audit_passes_total', 'Integrity audit passes completed since start.', [], one((a) => a.passes));
  counterFrom(m, 'cairn_audit_entries_checked_total', 'Entries rehashed by the integrity audit since start.', [], one((a) => a.entriesChecked));
  gaugeFrom(m, 'cairn_audit_last_pass_timestamp_seconds', 'Time the last integrity audit pass completed.', [], one((a) => (a.lastPassCompletedMs === undefined ? undefined : a.lastPassCompletedMs / 1000)));
  gaugeFrom(m, 'cairn_audit_mismatch', '1 when the integrity audit found stored data that does not match (the log is then read-only).', [], one((a) => (a.mismatch === undefined ? 0 : 1)));
}

/** Register a node's cluster families: which node sequences, under which lease epoch. */
export function clusterMetrics(m: Metrics, cluster: ClusterHooks): void {
  const one = (f: (c: ReturnType<ClusterHooks['status']>) => number) => () => [[{}, f(cluster.status())]] as const;
  gaugeFrom(m, 'cairn_cluster_sequencer', '1 when this node holds the sequencer lease and sequences.', [], one((c) => (c.role === 'sequencer' ? 1 : 0)));
  gaugeFrom(m, 'cairn_cluster_role', "This node's role among the nodes on its database (1 for the current one).", ['role'], () =>
    (['follower', 'taking over', 'sequencer'] as const).map((role) => [{ role }, cluster.status().role === role ? 1 : 0] as const),
  );
  gaugeFrom(m, 'cairn_cluster_lease_epoch', 'Epoch of the sequencer lease as this node last saw it.', [], one((c) => c.epoch));
  counterFrom(m, 'cairn_cluster_takeovers_total', 'Times this node took the sequencer lease since start.', [], one((c) => c.takeovers));
  gaugeFrom(m, 'cairn_cluster_database_reachable', '1 when the last lease operation reached the database.', [], one((c) => (c.databaseReachable ? 1 : 0)));
  const forwarded = (k: keyof NonNullable<ClusterView['forwarding']>) => () => [[{}, cluster.status().forwarding?.[k]]] as const;
  counterFrom(m, 'cairn_cluster_forward_requests_total', 'Requests this node sent to forward admitted entries to the sequencing node (each carries one or more).', [], forwarded('requests'));
  counterFrom(m, 'cairn_cluster_forwarded_entries_total', 'Entries those requests carried (divided by cairn_cluster_forward_requests_total: the mean batch).', [], forwarded('entries'));
}

/** The exposition text: `# HELP`, `# TYPE`, then `name{labels} value` lines, each ending in '\n'. */
export function formatMetrics(families: readonly Family[]): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const [labels, value, suffix] of f.samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out += `${f.name}${suffix ?? ''}${l.length === 0 ? '' : `{${l.join(',')}}`} ${formatValue(value)}\n`;
    }
  }
  return out;
}

/** Label values escape backslash, double quote and newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}
