/**
 * Watching for entries that concern given public keys, artifact digests or
 * identities, pure: every watched item becomes a search key in the form the
 * log indexes (src/entry), and a new entry matches when its body's search
 * keys (searchKeysOfBody) include one.
 */
import { LogError, describeError } from '../errors.js';
import { publicKeySearchKey, searchKeysOfBody } from '../entry/index.js';

/** Digest algorithm by hex length, as Rekor's PrefixSHA (and the log's index search). */
const ALGORITHM_BY_LENGTH: Readonly<Record<number, string>> = { 40: 'sha1', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/** One watched item: what the operator gave and the search key it stands for. */
export interface Watched {
  readonly label: string;
  readonly key: string;
}

/** A new entry that concerns watched items. */
export interface WatchMatch {
  readonly index: number;
  /** Hex RFC 6962 leaf hash: the entry UUID. */
  readonly uuid: string;
  /** `<kind>/<apiVersion>` of the body. */
  readonly kind: string;
  /** Labels of the watched items it matched. */
  readonly matched: readonly string[];
}

export class Watchlist {
  readonly #byKey = new Map<string, string[]>();

  /**
   * `keys`: PEM texts (label, pem) of public keys or certificates; `digests`:
   * `<alg>:<hex>` or bare hex; `identities`: emails or URIs. Throws
   * CONFIG_INVALID for an unusable key or digest.
   */
  constructor(keys: readonly { label: string; pem: string }[], digests: readonly string[], identities: readonly string[]) {
    for (const k of keys) {
      let key: string;
      try {
        key = publicKeySearchKey(k.pem);
      } catch (err) {
        throw new LogError('CONFIG_INVALID', `couldn't watch key ${k.label}: ${describeError(err)}`);
      }
      this.#add({ label: `key ${k.label}`, key });
    }
    for (const d of digests) this.#add({ label: `digest ${d}`, key: digestKey(d) });
    for (const id of identities) this.#add({ label: `identity ${id}`, key: id.trim().toLowerCase() });
  }

  get size(): number {
    return this.#byKey.size;
  }

  /**
   * The labels of the watched items entry `body` concerns (empty when none,
   * or when the body is not a JSON entry of a known kind: such entries cannot
   * concern a key).
   */
  match(body: Uint8Array): { kind: string; matched: string[] } {
    let keys: string[];
    let kind = 'unknown';
    try {
      keys = searchKeysOfBody(body);
      const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
      kind = `${String(parsed.kind)}/${String(parsed.apiVersion)}`;
    } catch {
      return { kind, matched: [] };
    }
    const matched = new Set<string>();
    for (const k of keys) for (const label of this.#byKey.get(k) ?? []) matched.add(label);
    return { kind, matched: [...matched] };
  }

  #add(w: Watched): void {
    this.#byKey.set(w.key, [...(this.#byKey.get(w.key) ?? []), w.label]);
  }
}

/** `<alg>:<hex>` lowercased; bare hex gets the algorithm its length implies. */
function digestKey(d: string): string {
  const s = d.trim().toLowerCase();
  if (s.includes(':')) return s;
  const alg = ALGORITHM_BY_LENGTH[s.length];
  if (alg === undefined) throw new LogError('CONFIG_INVALID', `couldn't watch digest ${d}: ${s.length} hex digits match no algorithm`);
  return `${alg}:${s}`;
}
