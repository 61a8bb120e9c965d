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
import { jsonReply, typedReply } from '../reply.js';
import { get, type Route } from '../route.js';
import { LogError } from '../../errors.js';
import type { RouteContext } from '../context.js';

/** Page size when `limit` is not given. */
export const DEFAULT_CHECKPOINT_PAGE = 100;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function checkpointHistoryRoutes({ log, api }: RouteContext): Route[] {
  return [
    get('/api/v1/log/checkpoints', async (req) => {
      const { params } = api.checkRequest('listCheckpoints', req);
      const from = (params['from'] as number | undefined) ?? 0;
      const limit = (params['limit'] as number | undefined) ?? DEFAULT_CHECKPOINT_PAGE;
      const rows = await log.reader.listCheckpoints(from, limit);
      const last = rows[rows.length - 1];
      const page = {
        checkpoints: await Promise.all(
          rows.map(async (cp) => ({ treeSize: cp.size, rootHash: hex(cp.root), timeMs: cp.time, checkpoint: await log.reader.noteWithCosignatures(cp) })),
        ),
        ...(rows.length === limit && last !== undefined ? { next: last.size + 1 } : {}),
      };
      return jsonReply(page, NO_CACHE);
    }),

    get('/api/v1/log/checkpoints/{size}', async (req) => {
      const { params } = api.checkRequest('getCheckpointBySize', req);
      const size = params['size'] as number;
      const cp = await log.reader.checkpointAt(size);
      if (cp === undefined) throw new LogError('NOT_FOUND', `the log published no checkpoint at tree size ${size}`);
      return typedReply('text/plain; charset=utf-8', await log.reader.noteWithCosignatures(cp), NO_CACHE);
    }),
  ];
}

const NO_CACHE = { 'Cache-Control': 'no-cache' };
