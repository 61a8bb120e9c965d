/** GET /healthz: 200 while the log accepts writes, 503 with the reason when it is read-only. */
import type { LogService } from '../../log/index.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

export function healthRoutes(log: LogService): Route[] {
  return [
    get('/healthz', () => {
      const s = log.status();
      const body = { status: s.readOnly === undefined ? 'ok' : 'read-only', reason: s.readOnly, treeSize: s.size, pool: s.poolSize };
      return jsonReply(body, { 'Cache-Control': 'no-store' }, s.readOnly === undefined ? 200 : 503);
    }),
  ];
}
