/**
 * C2SP surfaces for checkpoints: GET /checkpoint (c2sp.org/tlog-tiles:
 * text/plain; charset=utf-8, caching at most a few seconds; the log's two
 * signatures, then the witness cosignatures collected so far) and the log's
 * verifier key at GET /api/v1/log/vkey (c2sp.org/signed-note vkey string).
 */
import { Router } from 'express';
import type { LogService } from '../../log/index.js';

export function checkpointRoutes(log: LogService): Router {
  const r = Router();
  r.get('/checkpoint', (_req, res) => {
    res.set('Content-Type', 'text/plain; charset=utf-8').set('Cache-Control', 'no-cache').send(log.reader.noteWithCosignatures(log.reader.latest()));
  });
  r.get('/api/v1/log/vkey', (_req, res) => {
    res.set('Content-Type', 'text/plain; charset=utf-8').send(`${log.identity.vkey}\n`);
  });
  return r;
}
