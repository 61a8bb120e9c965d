/** `cairn serve`: open the log, listen, drain on SIGTERM/SIGINT. */
import { createServer, type Server } from 'node:http';
import type { Config } from '../config/index.js';
import { createApp, inlineAdmission, workerAdmission } from '../http/index.js';
import type { Logger } from './logger.js';
import { openLogFromConfig, type OpenedLog } from './open-log.js';
import { startWitnessing } from './witnessing.js';

export interface Running {
  readonly server: Server;
  readonly opened: OpenedLog;
  readonly url: string;
  stop(): Promise<void>;
}

export async function serve(config: Config, logger: Logger): Promise<Running> {
  const opened = openLogFromConfig(config);
  const { log, identity } = opened;
  if (opened.keyCreated) logger.info('created a new log key', { keyFile: config.keyFile });
  const status = log.status();
  if (status.readOnly !== undefined) logger.error('self-check failed: the log refuses writes', { reason: status.readOnly });

  const witnessing = startWitnessing(config, log, logger);
  const admission = config.verifyWorkers > 0 ? workerAdmission(config.verifyWorkers) : inlineAdmission();
  const app = createApp({
    log,
    admission,
    maxRequestBytes: config.maxRequestBytes,
    maxEntryBytes: config.maxEntryBytes,
    maxSearchItems: config.maxSearchItems,
    maxSearchResults: config.maxSearchResults,
    logError: (msg, err) => logger.error(msg, { err }),
    ...(witnessing === undefined ? {} : { witnessStatus: () => witnessing.status() }),
  });
  const server = createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info('serving', { url, origin: identity.origin, logID: identity.logId, treeSize: status.size, vkey: identity.vkey });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await witnessing?.close();
      await log.close();
      await admission.close();
      opened.store.close();
    })();
    return stopping;
  };
  return { server, opened, url, stop };
}
