/**
 * Probes, open to every client (auth.ts) and never rate-limited:
 *
 * - GET /healthz (liveness): 200 while the process answers at all, with the
 *   log's state: `{"status": "ok" | "read-only", "reason"?, "treeSize", "pool"}`.
 *   A read-only log is alive (it serves reads); restarting it would not help,
 *   so liveness never fails for it.
 * - GET /readyz (readiness, for load balancers and Kubernetes readiness
 *   probes): 200 `{"ready": true, "treeSize"}` while the log accepts writes,
 *   else 503 `{"ready": false, "reason", "detail"?, "treeSize"}` with reason
 *   `shutting down` (after SIGTERM), `frozen` (an admin froze the log:
 *   it takes no more entries, for good), `read-only` (detail: why, e.g.
 *   damage found by a check) or `database unreachable` (below). While the
 *   start-up check runs, the server answers `checking` (src/cli/starting.ts).
 *
 * `database unreachable` (with `detail`, the last failure, when the log knows
 * it): a batch failed because the store could not be reached and the log
 * waits for it (LogStatus.storeUnreachable), or, on PostgreSQL, the last
 * lease operation failed (detail: why, the URL's password masked). Writes then fail at once with 503 and reads are
 * served from what the node holds; /readyz turns 200 again by itself once
 * the store answers (the log's retried rebuild, the next lease operation:
 * within a third of --lease-ttl-ms). /healthz stays 200 all along: the
 * process is alive and restarting it would not bring the database back.
 *
 * On PostgreSQL, where every node is one of any number on the database
 * (../cluster.ts), both add `cluster`: `{"role": "sequencer" | "taking
 * over" | "follower", "nodeId", "epoch", "holder", "holderUrl"}` (the node
 * holding the sequencer lease as last read).
 */
import type { LogService } from '../../log/index.js';
import type { ClusterHooks } from '../cluster.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

const NO_STORE = { 'Cache-Control': 'no-store' };

export interface HealthOptions {
  /** Whether the server is shutting down; default never. */
  readonly stopping?: () => boolean;
  /** The node's role among several on one database. */
  readonly cluster?: ClusterHooks;
}

export function healthRoutes(log: LogService, o: HealthOptions = {}): Route[] {
  const stopping = o.stopping ?? (() => false);
  const cluster = (): Record<string, unknown> => {
    if (o.cluster === undefined) return {};
    const c = o.cluster.status();
    return { cluster: { role: c.role, nodeId: c.nodeId, epoch: c.epoch, holder: c.holder ?? null, holderUrl: c.holderUrl ?? null } };
  };
  return [
    get('/healthz', () => {
      const s = log.status();
      return jsonReply({ status: s.readOnly === undefined ? 'ok' : 'read-only', reason: s.readOnly, treeSize: s.size, pool: s.poolSize, ...cluster() }, NO_STORE);
    }),
    get('/readyz', () => {
      const s = log.status();
      if (stopping()) return jsonReply({ ready: false, reason: 'shutting down', treeSize: s.size, ...cluster() }, NO_STORE, 503);
      if (s.readOnly !== undefined) return jsonReply({ ready: false, reason: s.frozen ? 'frozen' : 'read-only', detail: s.readOnly, treeSize: s.size, ...cluster() }, NO_STORE, 503);
      const lease = o.cluster?.status();
      if (s.storeUnreachable !== undefined || (lease !== undefined && !lease.databaseReachable)) {
        const why = s.storeUnreachable ?? lease?.databaseError;
        const detail = why === undefined ? {} : { detail: why };
        return jsonReply({ ready: false, reason: 'database unreachable', ...detail, treeSize: s.size, ...cluster() }, NO_STORE, 503);
      }
      return jsonReply({ ready: true, treeSize: s.size, ...cluster() }, NO_STORE, 200);
    }),
  ];
}
