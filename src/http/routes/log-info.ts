/** Rekor v1 log info routes: GET /api/v1/log, GET /api/v1/log/publicKey (rekor-v1.md §1). */
import { Router } from 'express';
import { LogError } from '../../errors.js';
import type { LogService } from '../../log/index.js';

export function logInfoRoutes(log: LogService): Router {
  const r = Router();

  r.get('/api/v1/log', (_req, res) => {
    const cp = log.reader.latest();
    res.set('Cache-Control', 'no-cache').json({
      rootHash: Buffer.from(cp.root).toString('hex'),
      treeSize: cp.size,
      signedTreeHead: cp.note,
      treeID: log.identity.treeId,
    });
  });

  r.get('/api/v1/log/publicKey', (req, res) => {
    const treeId = req.query['treeID'];
    if (treeId !== undefined && treeId !== log.identity.treeId) {
      throw new LogError('BAD_REQUEST', `unknown treeID ${JSON.stringify(treeId)}; this log's is ${log.identity.treeId}`);
    }
    res.type('application/x-pem-file').send(log.identity.publicKeyPem);
  });

  return r;
}
