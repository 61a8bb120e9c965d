/**
 * Rekor v2 (rekor-tiles) routes, served for the log's Rekor v2 tree:
 * - POST /api/v2/log/entries: a `CreateEntryRequest` (hashedRekordRequestV002
 *   or dsseRequestV002, protobuf JSON) admitted like a v1 submission (same
 *   body limits, worker pool, guards), answered 201 with a
 *   TransparencyLogEntry once a checkpoint includes it (../rekor-v2.ts);
 *   errors in rekor-tiles' statuses and JSON shape (errors.ts rekorV2ErrorReply).
 * - GET /api/v2/checkpoint, /api/v2/tile/<L>/<N>[.p/<W>],
 *   /api/v2/tile/entries/<N>[.p/<W>]: the v2 tree's tlog-tiles API (rekor-tiles'
 *   own paths for GetCheckpoint, GetTile and GetEntryBundle), its checkpoint's
 *   origin the public URL's host.
 */
import { missingBody } from '../../api/index.js';
import type { LogService } from '../../log/index.js';
import type { RouteContext } from '../context.js';
import { rekorV2ErrorReply, toLogError } from '../errors.js';
import { submitRekorV2, V2_ENTRIES_PATH } from '../rekor-v2.js';
import { typedReply } from '../reply.js';
import { get, post, type Route } from '../route.js';
import { tileRoutes } from './tiles.js';

/** Where the v2 tree's tlog-tiles API lives. */
export const V2_TILES_PREFIX = '/api/v2';

export function rekorV2Routes({ admission, limits, cluster, fullTiles }: RouteContext, log: LogService): Route[] {
  const entryLimits = { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength };
  return [
    post(V2_ENTRIES_PATH, 'json-bytes', async (req) => {
      try {
        const raw = req.raw;
        if (raw === undefined) throw missingBody();
        const prepared = await admission.admit(raw, entryLimits, 'rekor-v2');
        // On a node of several, another node may sequence: its answer is passed on.
        return await (cluster?.forward(prepared, 'v2') ?? submitRekorV2(log, prepared));
      } catch (err) {
        const reply = rekorV2ErrorReply(toLogError(err));
        if (reply.status >= 500 && reply.status !== 503) throw err; // a 500 goes through the dispatcher, which logs its cause
        return reply;
      }
    }),
    get(`${V2_TILES_PREFIX}/checkpoint`, async () =>
      typedReply('text/plain; charset=utf-8', await log.reader.noteWithCosignatures(log.reader.latest()), { 'Cache-Control': 'no-cache' }),
    ),
    ...tileRoutes(log, V2_TILES_PREFIX, fullTiles === undefined ? {} : { full: fullTiles }),
  ];
}
