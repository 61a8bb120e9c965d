/**
 * Where a successful submission's time went, per stage, for GET /metrics
 * (`cairn_submit_stage_seconds`, a Prometheus summary: `_sum` and `_count`
 * per stage):
 * - admission: body received → prepared (queue for a worker, parse, schema,
 *   signature check, canonicalisation);
 * - sequencing: prepared → committed and published (pool wait, SET signing,
 *   the batch's transaction).
 * Durations are measured with the monotonic performance.now().
 */
export type SubmitStage = 'admission' | 'sequencing';

export class SubmitTimings {
  readonly #sums: Record<SubmitStage, { seconds: number; count: number }> = {
    admission: { seconds: 0, count: 0 },
    sequencing: { seconds: 0, count: 0 },
  };

  /** Record that one submission spent `ms` in `stage`. */
  observe(stage: SubmitStage, ms: number): void {
    const s = this.#sums[stage];
    s.seconds += ms / 1000;
    s.count++;
  }

  /** Seconds and submissions so far, per stage. */
  totals(): ReadonlyArray<{ stage: SubmitStage; seconds: number; count: number }> {
    return (Object.keys(this.#sums) as SubmitStage[]).map((stage) => ({ stage, ...this.#sums[stage] }));
  }
}
