/**
 * Fetching a tlog-tiles log over HTTP (c2sp.org/tlog-tiles): the checkpoint,
 * hash tiles and entry bundles. This is the monitor's only network code; it
 * returns bytes and never interprets them (verification is in verify.ts and
 * tree.ts).
 */
import { LogError, describeError } from '../errors.js';
import { TILE_WIDTH, formatTilePath, type TileLevel } from '../merkle/index.js';

/** What the monitor needs from a log. Implementations throw LogError('UPSTREAM_FAILED') when the log cannot be read. */
export interface LogClient {
  /** The latest checkpoint note, as served at `/checkpoint`. */
  checkpoint(): Promise<string>;
  /**
   * Tile (level, index) of `width` hashes (256 = full), as C2SP bytes
   * (width × 32). Falls back to the full tile when a partial one is gone, and
   * returns its prefix. Length is NOT checked here.
   */
  tile(level: number, index: number, width: number): Promise<Uint8Array>;
  /** Entry bundle `index` of `width` entries (256 = full), uint16-length-prefixed bodies, unchecked. */
  entryBundle(index: number, width: number): Promise<Uint8Array>;
}

/** Largest response accepted: a full bundle of maximal entries (256 × 65,537 bytes) with room to spare. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

/**
 * A LogClient over global fetch for the log at `baseUrl` (`<baseUrl>/checkpoint`,
 * `<baseUrl>/tile/…`), sending `headers` too (e.g. `Authorization` for a log
 * whose reads need a token).
 */
export function httpLogClient(baseUrl: string, timeoutMs: number, headers: Readonly<Record<string, string>> = {}): LogClient {
  const base = baseUrl.replace(/\/+$/, '');
  const get = async (path: string, allow404 = false): Promise<Uint8Array | undefined> => {
    const url = `${base}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: '*/*', ...headers } });
    } catch (err) {
      throw new LogError('UPSTREAM_FAILED', `couldn't fetch ${url}: ${describeError(err)}`, { cause: err });
    }
    if (res.status === 404 && allow404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new LogError('UPSTREAM_FAILED', `couldn't fetch ${url}: HTTP ${res.status}`, { details: { url, status: res.status } });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_RESPONSE_BYTES) throw new LogError('UPSTREAM_FAILED', `couldn't fetch ${url}: ${bytes.length} bytes is too large`);
    return bytes;
  };
  /** A partial tile or bundle, else the full one (tlog-tiles: clients MAY fall back to the full tile). */
  const partialOrFull = async (level: TileLevel, index: number, width: number, unit: (full: Uint8Array) => Uint8Array) => {
    if (width === TILE_WIDTH) return (await get(formatTilePath(level, index)))!;
    const partial = await get(formatTilePath(level, index, width), true);
    if (partial !== undefined) return partial;
    return unit((await get(formatTilePath(level, index)))!);
  };
  return {
    async checkpoint() {
      const bytes = (await get('checkpoint'))!;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new LogError('UPSTREAM_FAILED', `couldn't read ${base}/checkpoint: not UTF-8`);
      }
    },
    tile: (level, index, width) => partialOrFull(level, index, width, (full) => full.subarray(0, width * 32)),
    entryBundle: (index, width) => partialOrFull('entries', index, width, (full) => bundlePrefix(full, width)),
  };
}

/** The first `count` entries of a bundle (stops early on a truncated one; the caller checks the count). */
function bundlePrefix(bundle: Uint8Array, count: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < count && at + 2 <= bundle.length; i++) at += 2 + ((bundle[at] ?? 0) * 256 + (bundle[at + 1] ?? 0));
  return bundle.subarray(0, Math.min(at, bundle.length));
}
