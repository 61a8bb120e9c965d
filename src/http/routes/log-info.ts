/**
 * Rekor v1 log info routes: GET /api/v1/log, GET /api/v1/log/publicKey
 * (rekor-v1.md §1), and the log as a sigstore TrustedRoot (log/trusted-root.ts).
 */
import { LogError } from '../../errors.js';
import { trustedRoot, trustedTlog, type LogService } from '../../log/index.js';
import { jsonReply, typedReply } from '../reply.js';
import { get, type Route } from '../route.js';

export function logInfoRoutes(log: LogService): Route[] {
  return [
    get('/api/v1/log', () => {
      const cp = log.reader.latest();
      const info = { rootHash: Buffer.from(cp.root).toString('hex'), treeSize: cp.size, signedTreeHead: cp.note, treeID: log.identity.treeId };
      return jsonReply(info, { 'Cache-Control': 'no-cache' });
    }),

    get('/api/v1/log/publicKey', (req) => {
      const treeId = req.query['treeID'];
      if (treeId !== undefined && treeId !== log.identity.treeId) {
        throw new LogError('BAD_REQUEST', `unknown treeID ${JSON.stringify(treeId)}; this log's is ${log.identity.treeId}`);
      }
      return typedReply('application/x-pem-file; charset=utf-8', log.identity.publicKeyPem);
    }),

    get('/api/v1/log/trusted-root', () => {
      // The log (and its key) came into being with its size-0 checkpoint.
      const created = log.reader.checkpointAt(0)?.time ?? 0;
      return jsonReply(trustedRoot([trustedTlog(log.identity, created)]), { 'Cache-Control': 'no-cache' });
    }),
  ];
}
