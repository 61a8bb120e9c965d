/**
 * C2SP tlog-tiles read API (c2sp.org/tlog-tiles):
 *   GET /tile/<L>/<N>[.p/<W>]         hash tiles (height 8)
 *   GET /tile/entries/<N>[.p/<W>]     entry bundles (uint16-length-prefixed canonical bodies)
 * Only what the latest published checkpoint implies is served: a narrower
 * partial tile is a prefix of the current one; anything beyond is 404.
 * A tile URL always names the same bytes (a `.p/<W>` tile is a fixed prefix,
 * superseded by wider ones under other URLs but never changed), so every tile
 * and bundle is served `Cache-Control: public, max-age=31536000, immutable`.
 *
 * Entry bundles (JSON bodies, ~4:1 with gzip) are sent `Content-Encoding:
 * gzip` when the request's Accept-Encoding allows it, compressed once per
 * URL off the event loop and cached (compress.ts), with `Vary:
 * Accept-Encoding`. Hash tiles are SHA-256 outputs, which do not compress (a
 * full tile, 8,192 bytes, gzips to 8,215): they are always sent as they are.
 *
 * A FULL hash tile or bundle (no `.p/<W>`) is served from a FullTileCache
 * of served bytes when one is given (full-tiles.ts): a full tile never
 * changes, so the second read of one costs no store read (on PostgreSQL, a
 * round trip and the server's work). Partial tiles are always read from the
 * log. A cached tile is served only while the reader publishes it (its
 * latest checkpoint implies it full), as an uncached one.
 */
import type { LogReader, LogService } from '../../log/index.js';
import { parseTilePath, TILE_WIDTH } from '../../merkle/index.js';
import { acceptsGzip, GzipCache } from '../compress.js';
import type { FullTileCache } from '../full-tiles.js';
import type { Reply } from '../reply.js';
import { get, type Route } from '../route.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The caches a tile route answers from. */
export interface TileCaches {
  /** Served bytes of full tiles and bundles (full-tiles.ts); unset: every read goes to the log. */
  readonly full?: FullTileCache;
  /** Compressed entry bundles (compress.ts); unset: a GzipCache of the route's own. */
  readonly gzipped?: GzipCache;
}

/**
 * Every path under `<prefix>/tile/` (the four documented families);
 * parseTilePath decides which it is. `prefix` is where the log's tlog-tiles
 * API lives ('' for the Rekor v1 log's active tree, '/api/v2' for the Rekor v2 log).
 * The caches' keys name the prefix and the tree (a rotation starts a tree
 * whose tile URLs name other bytes).
 */
export function tileRoutes(log: LogService, prefix = '', caches: TileCaches = {}): Route[] {
  const gzipped = caches.gzipped ?? new GzipCache();
  return [
    get(`${prefix}/tile/*`, (req) =>
      tileReply(log.reader, req.path.slice(prefix.length + 1), {
        acceptEncoding: req.headers['accept-encoding'],
        gzipped,
        ...(caches.full === undefined ? {} : { full: caches.full }),
        tree: `${prefix}/${log.identity.treeId}`,
      }),
    ),
  ];
}

/** How {@link tileReply} answers: the request's Accept-Encoding, the caches, and the tree their keys name. */
export interface TileReplyOptions extends TileCaches {
  readonly acceptEncoding?: string | undefined;
  /** Names the reader's tree in the caches' keys: two readers of different trees MUST NOT share it. Default ''. */
  readonly tree?: string;
}

/**
 * 200 with the tile or bundle of `reader`'s tree at `tilePath` (`tile/…`, no
 * leading slash, no query), a bundle gzipped when `acceptEncoding` allows
 * and a cache is given; full tiles and bundles from `full` when given.
 * Throws BAD_REQUEST/NOT_FOUND as parseTilePath and the reader do. Also
 * serves the admin audit log's tiles (admin-log.ts) and each tree's (shards.ts).
 */
export async function tileReply(reader: LogReader, tilePath: string, o: TileReplyOptions = {}): Promise<Reply> {
  const p = parseTilePath(tilePath);
  const width = p.width < TILE_WIDTH ? p.width : undefined;
  const tree = o.tree ?? '';
  const full = width === undefined ? o.full : undefined;
  // A cached full tile is answered only while this reader publishes it (a published full tile stays published).
  if (full !== undefined) reader.checkPublished(p.level, p.index);
  if (p.level !== 'entries') {
    const level = p.level;
    const read = (): Promise<Uint8Array> => reader.tile(level, p.index, width);
    const body = full === undefined ? await read() : await full.get(`${tree}/${level}/${p.index}`, read);
    return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': IMMUTABLE }, body };
  }
  const read = (): Promise<Uint8Array> => reader.entryBundle(p.index, width); // NOT_FOUND beyond the published size
  if (o.gzipped === undefined || !acceptsGzip(o.acceptEncoding)) {
    return bundleReply(full === undefined ? await read() : await full.get(`${tree}/entries/${p.index}`, read), undefined);
  }
  // A cached URL was served before: its bundle is published for good, so a hit needs no read.
  return o.gzipped.get(`${tree}/${p.index}/${p.width}`, read).then((gz) => bundleReply(gz, 'gzip'));
}

function bundleReply(body: Uint8Array, encoding: 'gzip' | undefined): Reply {
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': IMMUTABLE,
      Vary: 'Accept-Encoding',
      ...(encoding === undefined ? {} : { 'Content-Encoding': encoding }),
    },
    body,
  };
}
