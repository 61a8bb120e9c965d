/**
 * `--metrics-port`: GET /metrics on a listener of its own, apart from the
 * API (no tokens, no rate limit: bind it where only the scraper reaches,
 * `--metrics-host`, default 127.0.0.1). It opens with the API port, answers
 * 503 STARTING until the log is open (starting.ts), then the server's
 * metrics.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../config/index.js';
import { metricsListener, type Metrics } from '../http/index.js';
import { closeHttpServer, trackResponses } from './http-server.js';
import { startingListener } from './starting.js';

export interface MetricsServer {
  readonly url: string;
  /** Serve `m` from now on. */
  serve(m: Metrics): void;
  close(graceMs?: number): Promise<void>;
}

/** Listens on --metrics-host:--metrics-port; undefined when --metrics-port is unset. */
export async function listenMetrics(config: Pick<Config, 'metricsPort' | 'metricsHost'>): Promise<MetricsServer | undefined> {
  if (config.metricsPort === undefined) return undefined;
  let listener: RequestListener = startingListener();
  const server: Server = createServer((req, res) => listener(req, res));
  trackResponses(server);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.metricsHost, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.metricsPort;
  const host = config.metricsHost;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    serve: (m) => {
      listener = metricsListener(m);
    },
    close: (graceMs = 2_000) => closeHttpServer(server, graceMs),
  };
}
