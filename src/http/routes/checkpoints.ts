/**
 * Checkpoint history for auditors: every checkpoint the log published,
 * by tree size, each with the witness cosignatures collected for it.
 *
 *   GET /api/v1/log/checkpoints?from=N&limit=M   JSON page, ascending by size
 *   GET /api/v1/log/checkpoints/{size}           text/plain signed note
 *
 * A checkpoint's note never changes once published, but cosignatures keep
 * arriving, so answers are `Cache-Control: no-cache`.
 */
import { Router } from 'express';
import { LogError } from '../../errors.js';
import type { RouteContext } from '../context.js';

/** Page size when `limit` is not given. */
export const DEFAULT_CHECKPOINT_PAGE = 100;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function checkpointHistoryRoutes({ log, api }: RouteContext): Router {
  const r = Router();

  r.get('/api/v1/log/checkpoints', (req, res) => {
    const { params } = api.checkRequest('listCheckpoints', req);
    const from = (params['from'] as number | undefined) ?? 0;
    const limit = (params['limit'] as number | undefined) ?? DEFAULT_CHECKPOINT_PAGE;
    const rows = log.reader.listCheckpoints(from, limit);
    const last = rows[rows.length - 1];
    res.set('Cache-Control', 'no-cache').json({
      checkpoints: rows.map((cp) => ({
        treeSize: cp.size,
        rootHash: hex(cp.root),
        timeMs: cp.time,
        checkpoint: log.reader.noteWithCosignatures(cp),
      })),
      ...(rows.length === limit && last !== undefined ? { next: last.size + 1 } : {}),
    });
  });

  r.get('/api/v1/log/checkpoints/:size', (req, res) => {
    const { params } = api.checkRequest('getCheckpointBySize', req);
    const size = params['size'] as number;
    const cp = log.reader.checkpointAt(size);
    if (cp === undefined) throw new LogError('NOT_FOUND', `the log published no checkpoint at tree size ${size}`);
    res.set('Content-Type', 'text/plain; charset=utf-8').set('Cache-Control', 'no-cache').send(log.reader.noteWithCosignatures(cp));
  });

  return r;
}
