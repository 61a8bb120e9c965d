/**
 * GET /metrics: Prometheus text exposition format 0.0.4, written by hand
 * (no client library): the log's state and, per configured witness, the
 * cosignature collection state (README "Settings").
 */
import { typedReply } from '../reply.js';
import { get, type Route } from '../route.js';
import type { LogService, WitnessStatus } from '../../log/index.js';
import type { SubmitTimings } from '../submit-timings.js';

/** Labels, value, and for summaries and histograms the series suffix (`_sum`, `_count`, `_bucket`). */
export type Sample = readonly [labels: Readonly<Record<string, string>>, value: number, suffix?: string];

/** Families in exposition order; a family with no samples is left out. */
export interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter' | 'summary' | 'histogram';
  readonly help: string;
  readonly samples: readonly Sample[];
}

export function metricsRoutes(log: LogService, witnesses: () => readonly WitnessStatus[], timings: SubmitTimings): Route[] {
  return [
    get('/metrics', () =>
      typedReply('text/plain; version=0.0.4; charset=utf-8', formatMetrics([...logFamilies(log), timingFamily(timings), ...witnessFamilies(witnesses())]), {
        'Cache-Control': 'no-store',
      }),
    ),
  ];
}

function logFamilies(log: LogService): Family[] {
  const s = log.status();
  const latest = log.reader.latest();
  return [
    { name: 'cairn_tree_size', type: 'gauge', help: 'Size of the latest published checkpoint.', samples: [[{}, s.size]] },
    { name: 'cairn_checkpoint_timestamp_seconds', type: 'gauge', help: 'Time the latest checkpoint was signed.', samples: [[{}, latest.time / 1000]] },
    { name: 'cairn_pool_entries', type: 'gauge', help: 'Entries waiting to be sequenced.', samples: [[{}, s.poolSize]] },
    { name: 'cairn_read_only', type: 'gauge', help: '1 when the log refuses writes.', samples: [[{}, s.readOnly === undefined ? 0 : 1]] },
    { name: 'cairn_batches_total', type: 'counter', help: 'Batches committed since start.', samples: [[{}, s.batches]] },
    { name: 'cairn_failed_batches_total', type: 'counter', help: 'Batches that failed to commit since start.', samples: [[{}, s.failedBatches]] },
  ];
}

function timingFamily(timings: SubmitTimings): Family {
  return {
    name: 'cairn_submit_stage_seconds',
    type: 'summary',
    help: 'Time accepted submissions spent per stage: admission (verify, canonicalise) and sequencing (pool, SETs, commit).',
    samples: timings.totals().flatMap((t) => [[{ stage: t.stage }, t.seconds, '_sum'] as const, [{ stage: t.stage }, t.count, '_count'] as const]),
  };
}

function witnessFamilies(all: readonly WitnessStatus[]): Family[] {
  const each = (f: (w: WitnessStatus) => number | undefined): Sample[] =>
    all.flatMap((w) => {
      const v = f(w);
      return v === undefined ? [] : [[{ witness: w.name, url: w.url }, v] as const];
    });
  return [
    { name: 'cairn_witness_up', type: 'gauge', help: '1 when the last exchange with the witness succeeded.', samples: each((w) => (w.consecutiveFailures === 0 && w.lastError === undefined ? 1 : 0)) },
    { name: 'cairn_witness_cosigned_size', type: 'gauge', help: 'Largest checkpoint size the witness cosigned since start.', samples: each((w) => w.cosignedSize) },
    { name: 'cairn_witness_consecutive_failures', type: 'gauge', help: 'Failed exchanges since the last success.', samples: each((w) => w.consecutiveFailures) },
    { name: 'cairn_witness_last_success_timestamp_seconds', type: 'gauge', help: 'Time of the last cosignature.', samples: each((w) => (w.lastSuccessMs === undefined ? undefined : w.lastSuccessMs / 1000)) },
    { name: 'cairn_witness_cosignatures_total', type: 'counter', help: 'Cosignatures collected since start.', samples: each((w) => w.cosignatures) },
    { name: 'cairn_witness_conflicts_total', type: 'counter', help: '409 answers (old size corrected) since start.', samples: each((w) => w.conflicts) },
    { name: 'cairn_witness_failures_total', type: 'counter', help: 'Failed exchanges since start.', samples: each((w) => w.failures) },
  ];
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
