/**
 * The admin audit log's read API (log/admin-log.ts), laid out as the log's
 * own C2SP surfaces under one prefix:
 *
 *   GET /api/v1/admin-log                             the latest checkpoint (signed note, text/plain;
 *                                                     origin `<host>/admin - <treeID>`, the note key's line)
 *   GET /api/v1/admin-log/checkpoint                  the same, where tlog-tiles clients look for it
 *   GET /api/v1/admin-log/tile/<L>/<N>[.p/<W>]        hash tiles (c2sp.org/tlog-tiles)
 *   GET /api/v1/admin-log/tile/entries/<N>[.p/<W>]    entry bundles: the records' JSON bodies
 *
 * `/api/v1/admin-log/` is thus a tlog-tiles log prefix: `checkpoint` and
 * `tile/` under it, as C2SP clients (Go's x/mod tlog, witnesses) read them.
 *
 * Reads are not admin operations: they need what any read needs (nothing, or
 * any valid token with --read-auth), so whoever may check the log may check
 * what its operators did. A server without an admin log answers 404.
 */
import { LogError } from '../../errors.js';
import type { LogService } from '../../log/index.js';
import { typedReply, type Reply } from '../reply.js';
import { get, type Route } from '../route.js';
import type { FullTileCache } from '../full-tiles.js';
import { tileReply } from './tiles.js';

const PREFIX = '/api/v1/admin-log/';

/** `full`: the served bytes of full tiles (full-tiles.ts), shared with the other logs' tile routes. */
export function adminLogRoutes(adminLog: LogService | undefined, full?: FullTileCache): Route[] {
  const log = (): LogService => {
    if (adminLog === undefined) throw new LogError('NOT_FOUND', 'this server keeps no admin log');
    return adminLog;
  };
  const checkpoint = (): Reply => typedReply('text/plain; charset=utf-8', log().reader.latest().note, { 'Cache-Control': 'no-cache' });
  return [
    get('/api/v1/admin-log', checkpoint),
    get(`${PREFIX}checkpoint`, checkpoint),
    get(`${PREFIX}tile/*`, (req) => {
      const l = log();
      return tileReply(l.reader, req.path.slice(PREFIX.length), { ...(full === undefined ? {} : { full }), tree: `${PREFIX}${l.identity.treeId}` });
    }),
  ];
}
