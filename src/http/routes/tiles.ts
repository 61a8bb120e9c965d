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
 */
import type { LogReader, LogService } from '../../log/index.js';
import { parseTilePath, TILE_WIDTH } from '../../merkle/index.js';
import { acceptsGzip, GzipCache } from '../compress.js';
import type { Reply } from '../reply.js';
import { get, type Route } from '../route.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Every path under `<prefix>/tile/` (the four documented families);
 * parseTilePath decides which it is. `prefix` is where the log's tlog-tiles
 * API lives ('' for the Rekor v1 log's active tree, '/api/v2' for the Rekor v2 log).
 * `gzipped` holds this log's compressed bundles, keyed by tree (a rotation
 * starts a tree whose bundle URLs name other bytes).
 */
export function tileRoutes(log: LogService, prefix = '', gzipped = new GzipCache()): Route[] {
  return [get(`${prefix}/tile/*`, (req) => tileReply(log.reader, req.path.slice(prefix.length + 1), req.headers['accept-encoding'], gzipped, log.identity.treeId))];
}

/**
 * 200 with the tile or bundle of `reader`'s tree at `tilePath` (`tile/…`, no
 * leading slash, no query), a bundle gzipped when `acceptEncoding` allows
 * and a cache is given (`tree` names the tree in its keys); throws
 * BAD_REQUEST/NOT_FOUND as parseTilePath and the reader do. Also serves the
 * admin audit log's tiles (admin-log.ts) and each tree's (shards.ts).
 */
export async function tileReply(reader: LogReader, tilePath: string, acceptEncoding?: string, gzipped?: GzipCache, tree = ''): Promise<Reply> {
  const p = parseTilePath(tilePath);
  const width = p.width < TILE_WIDTH ? p.width : undefined;
  if (p.level !== 'entries') {
    return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': IMMUTABLE }, body: await reader.tile(p.level, p.index, width) };
  }
  const bundle = (): Promise<Uint8Array> => reader.entryBundle(p.index, width); // NOT_FOUND beyond the published size
  if (gzipped === undefined || !acceptsGzip(acceptEncoding)) return bundleReply(await bundle(), undefined);
  // A cached URL was served before: its bundle is published for good, so a hit needs no read.
  return gzipped.get(`${tree}/${p.index}/${p.width}`, bundle).then((gz) => bundleReply(gz, 'gzip'));
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
