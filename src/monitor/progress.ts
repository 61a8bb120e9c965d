/**
 * Progress of a catch-up, pure: entries and tiles verified, rate and ETA,
 * reported at most once per interval (never on every tile). Times are
 * milliseconds from a clock the caller reads.
 */

/** One progress report. */
export interface ProgressReport {
  /** Leaves verified, from the start of the tree. */
  readonly entries: number;
  /** Size of the checkpoint being caught up to. */
  readonly target: number;
  /** Level-0 tiles verified in this run. */
  readonly tiles: number;
  /** Entries verified per second in this run (0 before any time passed). */
  readonly rate: number;
  /** Seconds left at that rate; undefined while the rate is 0. */
  readonly etaSeconds: number | undefined;
  /** The human-readable line (no newline). */
  readonly line: string;
}

export class ProgressMeter {
  readonly #startedAt: number;
  readonly #startEntries: number;
  readonly #intervalMs: number;
  #lastReportAt: number;
  #reported = false;

  /**
   * `startEntries`: leaves already verified when this run began (the last
   * verified size, or the point a resumed catch-up starts from);
   * `intervalMs`: least time between two reports (0: every update).
   */
  constructor(startEntries: number, startedAtMs: number, intervalMs: number) {
    this.#startEntries = startEntries;
    this.#startedAt = startedAtMs;
    this.#lastReportAt = startedAtMs;
    this.#intervalMs = intervalMs;
  }

  /** True once a report was given: a long catch-up, worth a closing line. */
  get reported(): boolean {
    return this.#reported;
  }

  /** A report when `intervalMs` passed since the last one (or the start), else undefined. */
  update(entries: number, target: number, tiles: number, nowMs: number): ProgressReport | undefined {
    if (nowMs - this.#lastReportAt < this.#intervalMs) return undefined;
    this.#lastReportAt = nowMs;
    this.#reported = true;
    return this.report(entries, target, tiles, nowMs);
  }

  /** A report now, whatever the interval. */
  report(entries: number, target: number, tiles: number, nowMs: number): ProgressReport {
    const seconds = Math.max(0, nowMs - this.#startedAt) / 1000;
    const done = entries - this.#startEntries;
    const rate = seconds > 0 ? done / seconds : 0;
    const etaSeconds = rate > 0 ? (target - entries) / rate : undefined;
    const percent = target > 0 ? ((entries / target) * 100).toFixed(1) : '100.0';
    const eta = etaSeconds === undefined ? 'ETA unknown' : `ETA ${formatDuration(etaSeconds)}`;
    const line = `catch-up to size ${target}: ${entries} of ${target} entries verified (${percent}%), ${tiles} tiles in this run, ${Math.round(rate)} entries/s, ${eta}`;
    return { entries, target, tiles, rate, etaSeconds, line };
  }
}

/** `42s`, `3m07s`, `2h05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
