/**
 * The internal route of a node among several on one database (cluster.ts):
 * POST /internal/v1/cluster/entries takes an entry another node admitted and
 * sequences it here, answering exactly what this node's own clients get
 * (201 with the LogEntry, 409 for a duplicate). Only peers may call it: a
 * request whose X-Cairn-Cluster-Mac does not authenticate its body under the
 * cluster secret is refused with 401 before anything is read into the log.
 * A node that does not sequence (deposed meanwhile, still taking over)
 * answers 503 NOT_SEQUENCER, which the forwarding node passes on (retryable).
 * Served only when the node is one of several.
 */
import { LogError } from '../../errors.js';
import type { LogService } from '../../log/index.js';
import { CLUSTER_ENTRIES_PATH, CLUSTER_MAC_HEADER, decodeForwardedEntry, type ClusterHooks } from '../cluster.js';
import { post, type Route } from '../route.js';
import { submitPrepared } from '../submit.js';

export function clusterRoutes(log: LogService, cluster: ClusterHooks | undefined): Route[] {
  if (cluster === undefined) return [];
  return [
    post(CLUSTER_ENTRIES_PATH, 'bytes', (req) => {
      const raw = req.raw ?? new Uint8Array(0);
      const mac = req.headers[CLUSTER_MAC_HEADER];
      if (!cluster.authenticates(raw, typeof mac === 'string' ? mac : undefined)) {
        throw new LogError('UNAUTHENTICATED', `${CLUSTER_ENTRIES_PATH} takes entries from the log's own nodes only`);
      }
      const prepared = decodeForwardedEntry(raw);
      if (!cluster.sequencing()) {
        const s = cluster.status();
        throw new LogError('NOT_SEQUENCER', `node ${s.nodeId} does not sequence now (${s.role}); retry`, { details: { role: s.role } });
      }
      return submitPrepared(log, prepared);
    }),
  ];
}
