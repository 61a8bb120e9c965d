/**
 * GET /healthz: 200 while the log accepts writes, 503 with the reason when it is read-only.
 * GET /readyz: whether this server should get traffic that writes, for load
 * balancers and Kubernetes readiness probes: 200 `{"ready": true}`, else 503
 * `{"ready": false, "reason": "read-only" | "shutting down", "detail"?}`.
 * Both are open to every client (auth.ts) and never rate-limited.
 */
import type { LogService } from '../../log/index.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

const NO_STORE = { 'Cache-Control': 'no-store' };

export function healthRoutes(log: LogService, stopping: () => boolean = () => false): Route[] {
  return [
    get('/healthz', () => {
      const s = log.status();
      const body = { status: s.readOnly === undefined ? 'ok' : 'read-only', reason: s.readOnly, treeSize: s.size, pool: s.poolSize };
      return jsonReply(body, NO_STORE, s.readOnly === undefined ? 200 : 503);
    }),
    get('/readyz', () => {
      const s = log.status();
      if (stopping()) return jsonReply({ ready: false, reason: 'shutting down', treeSize: s.size }, NO_STORE, 503);
      if (s.readOnly !== undefined) return jsonReply({ ready: false, reason: 'read-only', detail: s.readOnly, treeSize: s.size }, NO_STORE, 503);
      return jsonReply({ ready: true, treeSize: s.size }, NO_STORE, 200);
    }),
  ];
}
