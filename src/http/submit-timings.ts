/**
 * Where a successful submission's time went, per stage, for GET /metrics
 * (`cairn_submit_stage_seconds{stage}`, a Prometheus histogram):
 * - admission: body received → prepared (queue for a worker, parse, schema,
 *   signature check, canonicalisation);
 * - sequencing: prepared → committed and published (pool wait, SET signing,
 *   the batch's transaction, its fdatasync).
 * Durations are measured with the monotonic performance.now().
 */
import { Histogram } from 'prom-client';
import type { Metrics } from './metrics.js';

export type SubmitStage = 'admission' | 'sequencing';

export interface SubmitTimings {
  /** Record that one submission spent `ms` in `stage`. */
  observe(stage: SubmitStage, ms: number): void;
}

/** Upper bounds of the stage buckets, seconds: 0.25 ms to 10 s (a batch waits up to batchMaxAgeMs, then commits and syncs). */
const STAGE_BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

/** The stage histogram, registered in `m`. */
export function submitTimings(m: Metrics): SubmitTimings {
  const h = new Histogram({
    name: 'cairn_submit_stage_seconds',
    help: 'Time accepted submissions spent per stage: admission (verify, canonicalise) and sequencing (pool, SETs, commit, sync).',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers: [m.registry],
  });
  const stages = { admission: h.labels('admission'), sequencing: h.labels('sequencing') };
  return { observe: (stage, ms) => stages[stage].observe(ms / 1000) };
}
