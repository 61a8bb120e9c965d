/**
 * `cairn witness`: a c2sp.org/tlog-witness cosigner. Opens (creating on
 * first start) its key and its own SQLite state (`<data-dir>/witness.db`),
 * then serves POST /add-checkpoint for the configured logs.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { WitnessConfig } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { createWitnessApp } from '../http/index.js';
import { closeHttpServer, trackResponses } from './http-server.js';
import { parseVkey, type NoteVerifier } from '../note/index.js';
import { openSqliteWitnessStore } from '../storage/index.js';
import { Witness, type WitnessedLog } from '../witness/index.js';
import { accessLog } from './access-log.js';
import { packageVersion } from './help.js';
import type { Logger } from './logger.js';
import { openWitnessKey } from './witness-key.js';

export interface RunningWitness {
  readonly server: Server;
  readonly url: string;
  /** The cosignature verifier key (`<name>+<key ID>+<base64(0x04 ‖ pubkey)>`). */
  readonly vkey: string;
  stop(): Promise<void>;
}

/** Groups `{origin, vkey}` settings by origin (a log may sign with several keys). Throws CONFIG_INVALID for a bad vkey. */
export function witnessedLogs(settings: WitnessConfig['logs']): WitnessedLog[] {
  const byOrigin = new Map<string, NoteVerifier[]>();
  for (const s of settings) {
    let v: NoteVerifier;
    try {
      v = parseVkey(s.vkey);
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `--log ${JSON.stringify(s.origin)}: bad verifier key: ${describeError(err)}`);
    }
    byOrigin.set(s.origin, [...(byOrigin.get(s.origin) ?? []), v]);
  }
  return [...byOrigin].map(([origin, verifiers]) => ({ origin, verifiers }));
}

export async function runWitness(config: WitnessConfig, logger: Logger, clock: Clock = systemClock()): Promise<RunningWitness> {
  const logs = witnessedLogs(config.logs);
  if (logs.length === 0) logger.warn('no logs configured (--log ORIGIN=VKEY): every checkpoint will be refused with 404');
  const key = await openWitnessKey(config.keyFile, config.name);
  if (key.created) logger.info('created a new witness key', { keyFile: config.keyFile });
  const store = openSqliteWitnessStore({ path: join(config.dataDir, 'witness.db') });
  let server: Server;
  try {
    const witness = new Witness({ cosigner: key.cosigner, logs, store, clock });
    const app = createWitnessApp({
      witness,
      logError: (msg, err) => logger.error(msg, { err }),
      onCosigned: (origin, size) => logger.info('cosigned', { origin, treeSize: size }),
      onServed: accessLog(logger),
      version: packageVersion(),
    });
    server = createServer(app);
    trackResponses(server);
    server.headersTimeout = 20_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    store.close();
    await key.close();
    throw err;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info('serving', { url, role: 'witness', name: key.cosigner.name, vkey: key.vkey, logs: logs.map((l) => l.origin) });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await closeHttpServer(server);
      store.close();
      await key.close();
    })();
    return stopping;
  };
  return { server, url, vkey: key.vkey, stop };
}
