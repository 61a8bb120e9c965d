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
 *   it takes no more entries, for good) or `read-only` (detail: why, e.g.
 *   damage found by a check). While the start-up check
 *   runs, the server answers `checking` (src/cli/starting.ts).
 */
import type { LogService } from '../../log/index.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

const NO_STORE = { 'Cache-Control': 'no-store' };

export interface HealthOptions {
  /** Whether the server is shutting down; default never. */
  readonly stopping?: () => boolean;
}

export function healthRoutes(log: LogService, o: HealthOptions = {}): Route[] {
  const stopping = o.stopping ?? (() => false);
  return [
    get('/healthz', () => {
      const s = log.status();
      return jsonReply({ status: s.readOnly === undefined ? 'ok' : 'read-only', reason: s.readOnly, treeSize: s.size, pool: s.poolSize }, NO_STORE);
    }),
    get('/readyz', () => {
      const s = log.status();
      if (stopping()) return jsonReply({ ready: false, reason: 'shutting down', treeSize: s.size }, NO_STORE, 503);
      if (s.readOnly !== undefined) return jsonReply({ ready: false, reason: s.frozen ? 'frozen' : 'read-only', detail: s.readOnly, treeSize: s.size }, NO_STORE, 503);
      return jsonReply({ ready: true, treeSize: s.size }, NO_STORE, 200);
    }),
  ];
}
