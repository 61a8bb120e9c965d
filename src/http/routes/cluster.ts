/**
 * The internal route of a node among several on one database (cluster.ts):
 * POST /internal/v1/cluster/entries takes an entry another node admitted and
 * sequences it here, answering exactly what this node's own clients get
 * (201 with the LogEntry, 409 for a duplicate). Only peers may call it: a
 * request whose X-Cairn-Cluster-Mac does not authenticate its body under the
 * cluster secret is refused with 401 before anything is read into the log.
 * A node that does not sequence (deposed meanwhile, still taking over)
 * answers 503 NOT_SEQUENCER, which the forwarding node passes on (retryable).
 * An entry of the Rekor v2 tree is answered as POST /api/v2/log/entries
 * answers (rekor-v2.ts); a node without that tree answers 404.
 * Served only when the node is one of several.
 */
import { LogError, isLogError } from '../../errors.js';
import { rekorV2ErrorReply, toLogError } from '../errors.js';
import { submitRekorV2 } from '../rekor-v2.js';
import type { LogService } from '../../log/index.js';
import { CLUSTER_ENTRIES_PATH, CLUSTER_MAC_HEADER, decodeForwardedEntry, type ClusterHooks } from '../cluster.js';
import { post, type Route } from '../route.js';
import { submitPrepared } from '../submit.js';

export function clusterRoutes(log: LogService, cluster: ClusterHooks | undefined, logV2?: LogService): Route[] {
  if (cluster === undefined) return [];
  return [
    post(CLUSTER_ENTRIES_PATH, 'bytes', async (req) => {
      const raw = req.raw ?? new Uint8Array(0);
      const mac = req.headers[CLUSTER_MAC_HEADER];
      if (!cluster.authenticates(raw, typeof mac === 'string' ? mac : undefined)) {
        throw new LogError('UNAUTHENTICATED', `${CLUSTER_ENTRIES_PATH} takes entries from the log's own nodes only`);
      }
      const { prepared, api } = decodeForwardedEntry(raw);
      if (api === 'v2') {
        if (logV2 === undefined) throw new LogError('NOT_FOUND', 'this node does not serve the Rekor v2 tree');
        try {
          refuseUnlessSequencing(cluster);
          return await submitRekorV2(logV2, prepared);
        } catch (err) {
          const reply = rekorV2ErrorReply(toLogError(err));
          if (reply.status >= 500 && reply.status !== 503 && !isLogError(err, 'NOT_SEQUENCER')) throw err;
          return reply;
        }
      }
      refuseUnlessSequencing(cluster);
      return submitPrepared(log, prepared);
    }),
  ];
}

function refuseUnlessSequencing(cluster: ClusterHooks): void {
  if (cluster.sequencing()) return;
  const s = cluster.status();
  throw new LogError('NOT_SEQUENCER', `node ${s.nodeId} does not sequence now (${s.role}); retry`, { details: { role: s.role } });
}
