/**
 * C2SP tlog-tiles read API (c2sp.org/tlog-tiles):
 *   GET /tile/<L>/<N>[.p/<W>]         hash tiles (height 8)
 *   GET /tile/entries/<N>[.p/<W>]     entry bundles (uint16-length-prefixed canonical bodies)
 * Only what the latest published checkpoint implies is served: a narrower
 * partial tile is a prefix of the current one; anything beyond is 404.
 * A tile URL always names the same bytes (a `.p/<W>` tile is a fixed prefix,
 * superseded by wider ones under other URLs but never changed), so every tile
 * and bundle is served `Cache-Control: public, max-age=31536000, immutable`.
 */
import type { LogService } from '../../log/index.js';
import { parseTilePath, TILE_WIDTH } from '../../merkle/index.js';
import type { Reply } from '../reply.js';
import { get, type Route } from '../route.js';

/**
 * Every path under `<prefix>/tile/` (the four documented families);
 * parseTilePath decides which it is. `prefix` is where the log's tlog-tiles
 * API lives ('' for the Rekor v1 log, '/api/v2' for the Rekor v2 log).
 */
export function tileRoutes(log: LogService, prefix = ''): Route[] {
  return [get(`${prefix}/tile/*`, (req) => tileReply(log, req.path.slice(prefix.length + 1)))];
}

/**
 * 200 with the tile or bundle of `log` at `tilePath` (`tile/…`, no leading
 * slash, no query); throws BAD_REQUEST/NOT_FOUND as parseTilePath and the
 * reader do. Also serves the admin audit log's tiles (admin-log.ts).
 */
export function tileReply(log: LogService, tilePath: string): Reply {
  const p = parseTilePath(tilePath);
  const partial = p.width < TILE_WIDTH;
  const body =
    p.level === 'entries'
      ? log.reader.entryBundle(p.index, partial ? p.width : undefined)
      : log.reader.tile(p.level, p.index, partial ? p.width : undefined);
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable' }, body };
}
