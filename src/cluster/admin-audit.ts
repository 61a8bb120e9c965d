/**
 * The admin audit log of a node among several: only the sequencing node
 * appends to it (its store is fenced by the lease as the log's is), so a
 * follower sends each record of an admin request it serves or refuses to
 * that node, as it forwards entries (api `admin`, src/http/cluster.ts),
 * naming itself in the record's `relayedBy` (unless the record names the
 * node a relayed operation was asked of: a sequencing node deposed while
 * it ran one). The record is durable when the
 * sequencing node's 201 comes back; any other outcome rejects, and the admin
 * gate then answers 503 STORE_FAILED (src/http/admin.ts: for `authorized`,
 * the operation did not run).
 */
import { LogError } from '../errors.js';
import type { AdminAudit, ClusterHooks } from '../http/index.js';
import { adminRecordSubmission } from '../log/index.js';

/** `local` (the node's own audit log) on the sequencing node; on a follower, the sequencing node's. */
export function clusterAdminAudit(local: AdminAudit, cluster: ClusterHooks): AdminAudit {
  return {
    record: async (r) => {
      // A record of a relayed operation names the node it was asked of already.
      const relayed = adminRecordSubmission({ ...r, relayedBy: r.relayedBy ?? cluster.status().nodeId });
      const sent = cluster.forward({ ...relayed, searchKeys: [] }, 'admin');
      if (sent === undefined) return local.record(r);
      const reply = await sent;
      if (reply.status !== 201) {
        const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8');
        throw new LogError('STORE_FAILED', `the sequencing node did not record it (${reply.status} ${reply.code ?? ''}): ${body.slice(0, 512)}`);
      }
    },
  };
}
