/**
 * C2SP surfaces for checkpoints: GET /checkpoint (c2sp.org/tlog-tiles:
 * text/plain; charset=utf-8, caching at most a few seconds; the log's two
 * signatures, then the witness cosignatures collected so far) and the log's
 * verifier key at GET /api/v1/log/vkey (c2sp.org/signed-note vkey string).
 */
import type { LogService } from '../../log/index.js';
import { typedReply } from '../reply.js';
import { get, type Route } from '../route.js';

const TEXT = 'text/plain; charset=utf-8';

export function checkpointRoutes(log: LogService): Route[] {
  return [
    get('/checkpoint', async () => typedReply(TEXT, await log.reader.noteWithCosignatures(log.reader.latest()), { 'Cache-Control': 'no-cache' })),
    get('/api/v1/log/vkey', () => typedReply(TEXT, `${log.identity.vkey}\n`)),
  ];
}
