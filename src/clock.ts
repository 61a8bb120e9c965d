/**
 * Time source. Pure modules never read the clock; the log layer takes a Clock
 * so tests can inject a deterministic one.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. MUST never go backwards between calls. */
  now(): number;
}

/** The wall clock, made monotonic: a backwards step of the system clock repeats the last value. */
export function systemClock(): Clock {
  let last = 0;
  return {
    now(): number {
      const t = Date.now();
      if (t > last) last = t;
      return last;
    },
  };
}

/** A manual clock for tests: starts at `startMs`, moves only when told. */
export class ManualClock implements Clock {
  #t: number;
  constructor(startMs = 1_700_000_000_000) {
    this.#t = startMs;
  }
  now(): number {
    return this.#t;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock cannot go backwards');
    this.#t += ms;
  }
}
