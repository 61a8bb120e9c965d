/**
 * Two real Cairn logs with the same identity (keys, origin, URL) behind one
 * fault proxy (fault-proxy.ts): what a client sees when a log serves it a
 * tampered answer (the proxy's `fault` rewrites it) or another history under
 * the same URL and keys (`serve(1)`: a fork, or a rewind when log 1 is
 * shorter). Each log is createApp on its own loopback port; the proxy's URL
 * is the one clients use, and the identity's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/clock.js';
import { createApp } from '../../src/http/index.js';
import { LogService, type LogIdentity, type LogKeyType } from '../../src/log/index.js';
import { openSqliteStore, toAsyncStore, type LogStore } from '../../src/storage/index.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { FAST_OPTIONS, testIdentity } from './test-log.js';
import { closeServer } from './token-issuer.js';

export interface FrontedLogs {
  /** The proxy's URL: the log's URL as clients know it. */
  readonly url: string;
  readonly identity: LogIdentity;
  readonly logs: readonly [LogService, LogService];
  /** Each log's clock (advance it between batches to spread the checkpoint history over time). */
  readonly clocks: readonly [ManualClock, ManualClock];
  readonly proxy: FaultProxy;
  /** Which log the proxy forwards to (0 at start). */
  serve(which: 0 | 1): void;
  close(): Promise<void>;
}

interface Backend {
  readonly log: LogService;
  readonly clock: ManualClock;
  readonly store: LogStore;
  readonly server: Server;
  readonly host: string;
}

/** Starts the two logs (keys of `keyType`) and the proxy; `explorerDir` is served at `/` (default dist/www). */
export async function startFrontedLogs(keyType: LogKeyType = 'ecdsa-p256', explorerDir?: string): Promise<FrontedLogs> {
  const proxy = await startFaultProxy('127.0.0.1:1');
  const url = `http://${proxy.host}`;
  const identity = testIdentity(keyType, url);
  const backends: Backend[] = [];
  for (let i = 0; i < 2; i++) {
    const store = openSqliteStore({ path: ':memory:' });
    const clock = new ManualClock(1_780_000_000_000);
    const log = await LogService.open(toAsyncStore(store), identity, clock, FAST_OPTIONS);
    const server = createServer(createApp({ log, maxRequestBytes: 1 << 20, ...(explorerDir === undefined ? {} : { explorerDir }) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backends.push({ log, clock, store, server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` });
  }
  const [a, b] = backends as [Backend, Backend];
  proxy.upstream = a.host;
  return {
    url,
    identity,
    logs: [a.log, b.log],
    clocks: [a.clock, b.clock],
    proxy,
    serve: (which) => {
      proxy.upstream = (which === 0 ? a : b).host;
    },
    close: async () => {
      await proxy.close();
      for (const be of backends) {
        await closeServer(be.server);
        await be.log.close();
        be.store.close();
      }
    },
  };
}
