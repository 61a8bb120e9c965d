/**
 * GET /api/v1/log/proof?firstSize=&lastSize=[&treeID=] (Rekor getLogProof):
 * the RFC 6962 consistency proof between two sizes of one tree (the active
 * one, or the tree `treeID` names), with the root hash at lastSize. Sizes need not be sizes of published checkpoints: any size up
 * to the latest published one is served (the tiles hold every tree).
 * firstSize defaults to 1. Errors use Rekor's messages, status 400.
 */
import { LogError } from '../../errors.js';
import type { RouteContext } from '../context.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function proofRoutes({ log, api }: RouteContext): Route[] {
  return [
    get('/api/v1/log/proof', async (req) => {
      const { params } = api.checkRequest('getLogProof', req);
      const treeId = params['treeID'] as string | undefined;
      const shard = treeId === undefined ? log.shards().at(-1) : log.shardByTreeId(treeId);
      if (shard === undefined) {
        throw new LogError('BAD_REQUEST', `unknown treeID ${JSON.stringify(treeId)}; this log's are ${log.shards().map((s) => s.identity.treeId).join(', ')}`);
      }
      const reader = shard.reader;
      const firstSize = (params['firstSize'] as number | undefined) ?? 1;
      const lastSize = params['lastSize'] as number;
      if (firstSize > lastSize) {
        throw new LogError('SIZE_OUT_OF_RANGE', `firstSize(${firstSize}) must be less than lastSize(${lastSize})`);
      }
      const published = reader.latest().size;
      if (lastSize > published) {
        throw new LogError(
          'SIZE_OUT_OF_RANGE',
          `the tree size requested(${lastSize}) was greater than what is currently observable(${published})`,
        );
      }
      const hashes = await reader.consistencyProof(firstSize, lastSize);
      return jsonReply({ rootHash: hex(await reader.rootAt(lastSize)), hashes: hashes.map(hex) }, { 'Cache-Control': 'no-cache' });
    }),
  ];
}
