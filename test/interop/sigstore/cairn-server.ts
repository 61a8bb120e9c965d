/**
 * A real Cairn HTTP server for client-library interop tests: createApp on
 * 127.0.0.1 at an OS-chosen port, with the identity's public URL set to that
 * address, so the checkpoint signature name `127.0.0.1:<port>` is a
 * substring of the URL the client trusts (sigstore-js matches the name
 * against the trusted log's baseUrl).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { ManualClock } from '../../../src/clock.js';
import { createApp } from '../../../src/http/index.js';
import { LogService, type LogIdentity, type LogKeyType } from '../../../src/log/index.js';
import { openSqliteStore, toAsyncStore } from '../../../src/storage/index.js';
import { FAST_OPTIONS, testIdentity } from '../../support/test-log.js';

export interface CairnServer {
  readonly url: string;
  readonly identity: LogIdentity;
  readonly log: LogService;
  close(): Promise<void>;
}

/** A Cairn server on 127.0.0.1 whose log key is of `keyType` (an ECDSA log gets an Ed25519 note key). */
export async function startCairn(keyType: LogKeyType = 'ed25519'): Promise<CairnServer> {
  // The identity needs the URL, which needs the port: listen first, attach the app after.
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('no server address');
  const url = `http://127.0.0.1:${addr.port}`;
  const identity = testIdentity(keyType, url);
  const store = openSqliteStore({ path: ':memory:' });
  const log = await LogService.open(toAsyncStore(store), identity, new ManualClock(), FAST_OPTIONS);
  handler = createApp({ log, maxRequestBytes: 1 << 20 });
  return {
    url,
    identity,
    log,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await log.close();
      store.close();
    },
  };
}
