/** GET /healthz: 200 while the log accepts writes, 503 with the reason when it is read-only. */
import { Router } from 'express';
import type { LogService } from '../../log/index.js';

export function healthRoutes(log: LogService): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    const s = log.status();
    res
      .status(s.readOnly === undefined ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: s.readOnly === undefined ? 'ok' : 'read-only', reason: s.readOnly, treeSize: s.size, pool: s.poolSize });
  });
  return r;
}
