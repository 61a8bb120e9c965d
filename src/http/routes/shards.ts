/**
 * Every tree (shard) of the log under its own prefix, `/shard/<treeID>/`,
 * laid out as a C2SP tlog-tiles log (c2sp.org/tlog-tiles):
 *
 *   GET /shard/<treeID>/checkpoint          the tree's latest checkpoint (a frozen tree's final one)
 *   GET /shard/<treeID>/tile/<L>/<N>[.p/W]  its hash tiles
 *   GET /shard/<treeID>/tile/entries/<N>…   its entry bundles
 *
 * The active tree is also served at the root (/checkpoint, /tile/…), as a log
 * of one tree always was; its prefix lets a client pin one tree for good,
 * before and after it is frozen. A frozen tree never changes: its checkpoint
 * is immutable too, but witnesses' cosignatures may still be added, so it is
 * served `no-cache` like the active one's. Tiles are immutable as at the root,
 * entry bundles gzipped likewise.
 */
import { LogError } from '../../errors.js';
import type { LogService } from '../../log/index.js';
import { typedReply } from '../reply.js';
import { get, type Route } from '../route.js';
import { GzipCache } from '../compress.js';
import type { FullTileCache } from '../full-tiles.js';
import { tileReply } from './tiles.js';

export const SHARD_PREFIX = '/shard/';

/** `full`: the served bytes of full tiles, shared with the root's tile route (a tree's keys are the same under both). */
export function shardRoutes(log: LogService, full?: FullTileCache): Route[] {
  const gzipped = new GzipCache(); // compressed entry bundles, keyed by tree
  return [
    get(`${SHARD_PREFIX}*`, async (req) => {
      const rest = req.path.slice(SHARD_PREFIX.length);
      const slash = rest.indexOf('/');
      const treeId = slash < 0 ? rest : rest.slice(0, slash);
      const shard = log.shardByTreeId(treeId);
      if (shard === undefined) throw new LogError('NOT_FOUND', `the log has no tree ${JSON.stringify(treeId.slice(0, 24))}`);
      const path = slash < 0 ? '' : rest.slice(slash + 1);
      if (path === 'checkpoint') {
        return typedReply('text/plain; charset=utf-8', await shard.reader.noteWithCosignatures(shard.reader.latest()), { 'Cache-Control': 'no-cache' });
      }
      if (path.startsWith('tile/')) {
        return tileReply(shard.reader, path, { acceptEncoding: req.headers['accept-encoding'], gzipped, ...(full === undefined ? {} : { full }), tree: `/${shard.identity.treeId}` });
      }
      throw new LogError('NOT_FOUND', `no such path under ${SHARD_PREFIX}${treeId}/: use checkpoint or tile/…`);
    }),
  ];
}
