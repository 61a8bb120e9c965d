/**
 * Reads beyond the published tree on a node that does not sequence (several
 * nodes on one database): the sequencing node may have published more since
 * this node last adopted its checkpoint, e.g. for an entry it just answered
 * 201 for, whose client now reads it back here. Such a read asks for a round
 * of `adopt` (LogService.adoptLatest) and waits for it:
 *
 * - the round it waits for starts after it asked (a round under way may have
 *   read the store before that entry was committed), so an entry committed
 *   before the read began is found;
 * - reads asking while a round is pending share it; rounds run one at a
 *   time, at least `gapMs` apart, so reads of what does not exist (yet) cost
 *   the database at most one round per gap.
 */
export class CatchUp {
  readonly #adopt: () => Promise<unknown>;
  readonly #gapMs: number;
  readonly #now: () => number;
  /** The round under way, if any. */
  #running: Promise<unknown> | undefined;
  /** The next round, not started yet: what a read asking now waits for. */
  #next: Promise<boolean> | undefined;
  #lastEnd = Number.NEGATIVE_INFINITY;

  constructor(adopt: () => Promise<unknown>, gapMs = 20, now: () => number = () => performance.now()) {
    this.#adopt = adopt;
    this.#gapMs = gapMs;
    this.#now = now;
  }

  /** Resolves after a round that started after this call: true when it adopted (or found nothing newer), false when it failed. */
  request(): Promise<boolean> {
    this.#next ??= this.#round();
    return this.#next;
  }

  async #round(): Promise<boolean> {
    await this.#running?.catch(() => undefined);
    const wait = this.#lastEnd + this.#gapMs - this.#now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#next = undefined; // reads asking from now on wait for the round after this one
    const run = this.#adopt();
    this.#running = run;
    try {
      await run;
      return true;
    } catch {
      return false; // the store cannot be read now: the read answers from what is published
    } finally {
      this.#lastEnd = this.#now();
      if (this.#running === run) this.#running = undefined;
    }
  }
}
