/**
 * Valid signed hashedrekord submissions for load tests: a few P-256 keys are
 * generated up front, then every `next()` signs fresh, distinct artifact data
 * with one of them (round robin). ECDSA signing costs ~40 µs, so a harness
 * can make thousands per second without slowing its load.
 */
import { ecKey, hashedRekord, type TestKey } from './http.js';

export interface SignedEntry {
  /** Sequence number of this entry in its factory. */
  readonly n: number;
  /** The JSON request body of POST /api/v1/log/entries. */
  readonly json: string;
}

export class SignedEntryFactory {
  readonly #keys: TestKey[];
  readonly #tag: string;
  #n = 0;

  /** `tag` makes artifacts distinct across factories (and runs); `keys` P-256 keys are generated now. */
  constructor(tag: string, keys = 4) {
    this.#tag = tag;
    this.#keys = Array.from({ length: keys }, () => ecKey('P-256'));
  }

  /** How many entries were made so far. */
  get count(): number {
    return this.#n;
  }

  /** A new, valid entry whose artifact no earlier call produced. */
  next(): SignedEntry {
    const n = this.#n++;
    const key = this.#keys[n % this.#keys.length]!;
    return { n, json: JSON.stringify(hashedRekord(key, `${this.#tag} artifact ${n}`)) };
  }
}
