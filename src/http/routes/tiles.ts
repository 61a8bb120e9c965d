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
import { Router } from 'express';
import type { LogService } from '../../log/index.js';
import { parseTilePath, TILE_WIDTH } from '../../merkle/index.js';

export function tileRoutes(log: LogService): Router {
  const r = Router();
  r.get(/^\/tile\/.*/, (req, res) => {
    const p = parseTilePath(req.path.slice(1));
    const partial = p.width < TILE_WIDTH;
    const bytes =
      p.level === 'entries'
        ? log.reader.entryBundle(p.index, partial ? p.width : undefined)
        : log.reader.tile(p.level, p.index, partial ? p.width : undefined);
    res
      .set('Content-Type', 'application/octet-stream')
      .set('Cache-Control', 'public, max-age=31536000, immutable')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  return r;
}
