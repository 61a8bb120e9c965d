/**
 * GET /api/v1/log/signing-config: the log as a sigstore SigningConfig
 * (log/signing-config.ts) naming its Rekor v2 and v1 endpoints, beside
 * GET /api/v1/log/trusted-root (the key to verify both with). Under /api/v1/log
 * with the trusted root, since clients fetch the two together.
 */
import { signingConfig, type LogService } from '../../log/index.js';
import { jsonReply } from '../reply.js';
import { get, type Route } from '../route.js';

export function signingConfigRoutes(log: LogService, logV2: LogService): Route[] {
  return [
    get('/api/v1/log/signing-config', async () => {
      const start = async (l: LogService): Promise<number> => (await l.reader.checkpointAt(0))?.time ?? 0;
      return jsonReply(signingConfig(log.identity, await start(log), await start(logV2)), { 'Cache-Control': 'no-cache' });
    }),
  ];
}
