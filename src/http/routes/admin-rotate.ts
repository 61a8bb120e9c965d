/**
 * Admin operations on the log's trees (docs/ARCHITECTURE.md "Shards"):
 *
 *   POST /api/v1/admin/rotate  freeze the active tree at its latest published
 *                              checkpoint and start a new one (new tree ID; the
 *                              key staged with --next-key-file, else the current
 *                              key), while submissions keep arriving. 200 with
 *                              the frozen tree (Rekor's inactive-shard fields),
 *                              the new tree and how long no batch was taken.
 *   POST /api/v1/admin/freeze  stop taking writes for good (recorded in the
 *                              store); reads go on. 200 with the frozen tree.
 *
 * The request carries no key material and no body is needed (any body is
 * read and ignored). Both answer 409 BUSY while the other runs and 503
 * READ_ONLY on a log that refuses writes. Like every non-GET route they need
 * the admin role when access control is on (auth.ts). Only the sequencing
 * node runs them: on a node of several that does not sequence, the admin
 * gate relays them there (../admin-relay.ts).
 */
import type { LogService } from '../../log/index.js';
import { jsonReply } from '../reply.js';
import { onSequencer, post, type Route } from '../route.js';

export function adminRotateRoutes(log: LogService): Route[] {
  return [
    onSequencer(
      post('/api/v1/admin/rotate', 'bytes', async () => {
        const r = await log.rotate();
        return jsonReply({ frozen: r.frozen, active: r.active, pausedMs: Math.round(r.pausedMs * 10) / 10 }, { 'Cache-Control': 'no-store' });
      }),
    ),
    onSequencer(post('/api/v1/admin/freeze', 'bytes', async () => jsonReply({ frozen: await log.freeze() }, { 'Cache-Control': 'no-store' }))),
  ];
}
