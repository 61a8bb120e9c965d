/**
 * Rekor v1 log info routes: GET /api/v1/log, GET /api/v1/log/publicKey
 * (rekor-v1.md §1, §7), and the log as a sigstore TrustedRoot
 * (log/trusted-root.ts).
 *
 * A log of several trees (shards) answers as Rekor's sharded API: LogInfo
 * describes the active tree and lists the frozen ones, oldest first, in
 * `inactiveShards` (left out while there are none); `publicKey?treeID=`
 * serves any tree's key; the trusted root has one key per run of trees
 * signed by the same key, valid from the first one's creation until the
 * last one was frozen.
 */
import { LogError } from '../../errors.js';
import { trustedRoot, trustedTlog, type LogService, type Shard, type TrustedTlog } from '../../log/index.js';
import { jsonReply, typedReply } from '../reply.js';
import { get, type Route } from '../route.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function logInfoRoutes(log: LogService): Route[] {
  return [
    get('/api/v1/log', () => {
      const shards = log.shards();
      const inactive = shards.slice(0, -1).map(shardInfo);
      const info = { ...shardInfo(shards[shards.length - 1] as Shard), ...(inactive.length === 0 ? {} : { inactiveShards: inactive }) };
      return jsonReply(info, { 'Cache-Control': 'no-cache' });
    }),

    get('/api/v1/log/publicKey', (req) => {
      const treeId = req.query['treeID'];
      const shard = treeId === undefined ? log.shards().at(-1) : typeof treeId === 'string' ? log.shardByTreeId(treeId) : undefined;
      if (shard === undefined) {
        throw new LogError('BAD_REQUEST', `unknown treeID ${JSON.stringify(treeId)}; this log's are ${log.shards().map((s) => s.identity.treeId).join(', ')}`);
      }
      return typedReply('application/x-pem-file; charset=utf-8', shard.identity.publicKeyPem);
    }),

    get('/api/v1/log/trusted-root', () => jsonReply(trustedRoot(trustedTlogs(log.shards())), { 'Cache-Control': 'no-cache' })),
  ];
}

/** Rekor's LogInfo of one tree: its latest (a frozen tree's final) checkpoint. */
function shardInfo(shard: Shard): { rootHash: string; treeSize: number; signedTreeHead: string; treeID: string } {
  const cp = shard.reader.latest();
  return { rootHash: hex(cp.root), treeSize: cp.size, signedTreeHead: cp.note, treeID: shard.identity.treeId };
}

/**
 * One tlog per run of consecutive trees with the same key: valid from the
 * run's first tree's creation (its size-0 checkpoint) to its last tree's
 * freeze, open-ended for the active tree's key.
 */
export function trustedTlogs(shards: readonly Shard[]): TrustedTlog[] {
  const out: TrustedTlog[] = [];
  let i = 0;
  while (i < shards.length) {
    const first = shards[i] as Shard;
    let last = first;
    while (i + 1 < shards.length && (shards[i + 1] as Shard).identity.logId === first.identity.logId) last = shards[++i] as Shard;
    out.push(trustedTlog(first.identity, first.createdMs, last.frozenMs));
    i++;
  }
  return out;
}
