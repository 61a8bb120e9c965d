/**
 * `cairn serve`: open the log, listen, and stop within --shutdown-grace-ms:
 * drain HTTP (closeHttpServer), then finish the batch in flight and close
 * the log, the workers and the store. One server per data dir (data-dir-lock.ts).
 */
import type { RequestListener, Server } from 'node:http';
import { systemClock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { prehashedEcdsaFallbackReason, requireNativeEcdsa } from '../entry/index.js';
import { inlineAdmission } from '../admission/index.js';
import { FullTileCache, OneTimeCodes, createApp, type TokenRecord } from '../http/index.js';
import { createWorkerPool } from '../workers/index.js';
import { checkServerLimits, closeHttpServer, createHttpServer } from './http-server.js';
import { accessLog } from './access-log.js';
import { packageVersion } from './help.js';
import { listenMetrics, type MetricsServer } from './metrics-server.js';
import type { Logger } from './logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { startingListener } from './starting.js';
import { readTokensFile } from './tokens.js';
import { readTotpSecretFile } from './totp-secret.js';
import { poolKeys, signerFor } from './log-keys.js';
import { openLogFromConfig, type OpenedLog } from './open-log.js';
import { openV2Log, type OpenedV2Log } from './open-v2-log.js';
import { openAdminLog, type OpenedAdminLog } from './admin-log.js';
import { startWitnessing, witnessEndpoints } from './witnessing.js';
import { startIntegrityAudit } from './integrity-audit.js';
import { startCluster, type ClusterMember, type RunningCluster } from './cluster.js';
import { PostgresStore } from '../storage/index.js';
import { clusterAdminAudit, type ReloadKind } from '../cluster/index.js';

export interface Running {
  readonly server: Server;
  readonly opened: OpenedLog;
  /** The Rekor v2 tree served beside the v1 log (POST /api/v2/log/entries, /api/v2/checkpoint, /api/v2/tile/…); undefined when it is missing (open-v2-log.ts). */
  readonly openedV2: OpenedV2Log | undefined;
  readonly url: string;
  /**
   * Re-reads the tokens file and puts it in force (POST
   * /api/v1/admin/tokens/reload and SIGHUP); throws CONFIG_INVALID, the
   * tokens in force kept, when it is refused. Undefined without --tokens-file.
   */
  readonly reloadTokens: (() => readonly TokenRecord[]) | undefined;
  /** The admin audit log (cli/admin-log.ts). */
  readonly adminLog: OpenedAdminLog;
  /**
   * What SIGHUP does (signals.ts): reload the tokens file and record it in the
   * admin log as operation `SIGHUP tokens/reload` (status 200, or 422
   * RELOAD_REFUSED with the old tokens kept); resolves once recorded.
   */
  hangup(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /**
   * Reads the settings again from where `config` came from (flags,
   * environment, --config file), for POST /api/v1/admin/witnesses/reload;
   * absent: that route answers 422 RELOAD_REFUSED.
   */
  readonly reloadConfig?: () => Config;
}

export async function serve(config: Config, logger: Logger, options: ServeOptions = {}): Promise<Running> {
  // Settings that can be checked without touching the data dir first.
  checkServerLimits(config);
  if (config.readAuth && config.tokensFile === undefined) {
    throw new LogError('CONFIG_INVALID', 'invalid configuration: --read-auth needs --tokens-file');
  }
  if (config.adminTotpSecretFile !== undefined && config.tokensFile === undefined) {
    throw new LogError('CONFIG_INVALID', 'invalid configuration: --admin-totp-secret-file needs --tokens-file (admin operations need a token with role admin)');
  }
  const tokensFile = config.tokensFile;
  let tokens = tokensFile === undefined ? undefined : readTokensFile(tokensFile);
  const otpSecret = config.adminTotpSecretFile === undefined ? undefined : readTotpSecretFile(config.adminTotpSecretFile);
  const reloadTokens =
    tokensFile === undefined
      ? undefined
      : (): readonly TokenRecord[] => {
          const fresh = readTokensFile(tokensFile); // throws before anything changes
          tokens = fresh;
          logger.info('tokens reloaded', { tokensFile, tokens: fresh.length, admins: fresh.filter((t) => t.roles.includes('admin')).length });
          return fresh;
        };
  const lock = lockDataDir(config.dataDir); // before anything in the data dir is opened or created
  // The port opens at once: probes see "checking" (starting.ts) while the log is opened and checked.
  const clock = systemClock();
  let listener: RequestListener = startingListener();
  const server = createHttpServer((req, res) => listener(req, res), config);
  let opened: OpenedLog;
  let url: string;
  let metricsServer: MetricsServer | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    metricsServer = await listenMetrics(config);
    logger.info('listening; opening and checking the log', { url, ...(metricsServer === undefined ? {} : { metricsUrl: metricsServer.url }), startupCheck: config.startupCheck });
    opened = await openLogFromConfig(config, clock, {
      progress: (msg, fields) => logger.info(msg, fields),
      databaseWait: {
        waitMs: config.databaseWaitMs,
        onRetry: (err, waitedMs, retryInMs) =>
          logger.warn('the database cannot be reached; waiting for it (--database-wait-ms)', {
            err: err.message,
            waitedMs: Math.round(waitedMs),
            retryInMs: Math.round(retryInMs),
            databaseWaitMs: config.databaseWaitMs,
          }),
      },
    });
  } catch (err) {
    server.close();
    await metricsServer?.close();
    lock.release();
    throw err;
  }
  const { log, identity, keys } = opened;
  /** Start-up failed after the log opened: close what is open, newest first, then rethrow. */
  const abandonStart = async (err: unknown, adminLog?: OpenedAdminLog): Promise<never> => {
    await adminLog?.close();
    await log.close();
    await opened.store.close();
    await keys.close();
    server.close();
    await metricsServer?.close();
    lock.release();
    throw err;
  };
  if (keys.log.created) logger.info('created a new log key', { keyFile: keys.log.ref, type: keys.log.type });
  if (keys.note?.created === true) logger.info('created a new note key', { noteKeyFile: keys.note.ref });
  if (process.env['CAIRN_REQUIRE_NATIVE'] === '1') requireNativeEcdsa(); // throws when the addon does not load
  const fallback = prehashedEcdsaFallbackReason();
  if (fallback === undefined) logger.info('prehashed ECDSA verification: native (OpenSSL)');
  else logger.warn('prehashed ECDSA verification: JS fallback, ~2.3x slower per P-256 signature', { reason: fallback });
  const status = log.status();
  if (status.readOnly !== undefined && !status.frozen) {
    // Safer than serving read-only: whatever is stored no longer matches what the log signed. (A frozen log, retired by
    // an admin freeze, is served read-only: /readyz says frozen.)
    const remedy = opened.postgres === undefined ? 'restore the data dir from a backup' : 'restore the database from a backup';
    await abandonStart(new LogError('CORRUPT', `couldn't serve the log in ${opened.where}: the start-up self-check failed: ${status.readOnly}; ${remedy}`));
  }
  let adminLog: OpenedAdminLog;
  try {
    adminLog = await openAdminLog(config, identity, keys, clock);
  } catch (err) {
    return abandonStart(err);
  }
  logger.info('admin log open', { origin: adminLog.log.identity.origin, treeSize: adminLog.log.status().size });

  if (logger.enabled('debug')) {
    log.onPublish((p) =>
      logger.debug('batch committed; checkpoint published', {
        treeSize: p.checkpoint.size,
        entries: p.entries.length,
        firstIndex: p.checkpoint.size - p.entries.length,
        root: Buffer.from(p.checkpoint.root).toString('hex'),
        checkpointTime: p.checkpoint.time,
      }),
    );
  }

  let openedV2: OpenedV2Log | undefined;
  try {
    const v2 = await openV2Log(config, opened.primary.identity, opened.store, signerFor(opened.primary.keys)); // the --key-file key, also after a rotation
    if ('unavailable' in v2) logger.error('the Rekor v2 tree is not served (POST /api/v2/log/entries answers 404)', { reason: v2.unavailable });
    else openedV2 = v2;
  } catch (err) {
    return abandonStart(err, adminLog);
  }
  const logV2 = openedV2?.log;
  // On PostgreSQL the node is one of any number on the database: its logs stand by until it holds the sequencer lease.
  let cluster: RunningCluster | undefined;
  if (config.databaseUrl !== undefined && opened.postgres !== undefined) {
    const members: ClusterMember[] = [{ log, store: opened.postgres }];
    if (openedV2 !== undefined && openedV2.store instanceof PostgresStore) members.push({ log: openedV2.log, store: openedV2.store });
    if (adminLog.store instanceof PostgresStore) members.push({ log: adminLog.log, store: adminLog.store });
    try {
      cluster = await startCluster(config, config.databaseUrl, members, new URL(url), logger);
    } catch (err) {
      await openedV2?.log.close();
      await openedV2?.store.close();
      return abandonStart(err, adminLog);
    }
  }

  // On PostgreSQL a spent one-time code is spent for every node on the database, and across restarts; wrong codes and lockouts are counted there too.
  const otp = otpSecret === undefined ? undefined : new OneTimeCodes(otpSecret, opened.postgres?.adminOtp());

  // On a follower the admin audit log's records go to the sequencing node, which alone appends to it.
  const adminAudit = cluster === undefined ? adminLog.audit : clusterAdminAudit(adminLog.audit, cluster.hooks);
  const audit = startIntegrityAudit(config, opened, logger);
  let witnessing = startWitnessing(config, log, logger);
  let witnessReload: Promise<unknown> = Promise.resolve();
  const reloadConfig = options.reloadConfig;
  const reloadWitnesses =
    reloadConfig === undefined
      ? undefined
      : (): Promise<readonly { name: string; url: string }[]> => {
          // One reload at a time: the collector in force is closed before the next starts.
          const run = witnessReload.then(async () => {
            const fresh = reloadConfig(); // throws before anything changes
            const endpoints = witnessEndpoints(fresh.witnesses);
            await witnessing?.close();
            witnessing = startWitnessing(fresh, log, logger);
            const list = endpoints.map((e) => ({ name: e.verifier.name, url: e.url }));
            logger.info('witnesses reloaded', { witnesses: list });
            return list;
          });
          witnessReload = run.catch(() => undefined);
          return run;
        };
  // On PostgreSQL an admin reload runs on the node asked, then on every other node (src/cluster/reloads.ts).
  let announceReload: ((what: ReloadKind) => Promise<void>) | undefined;
  if (cluster !== undefined) {
    announceReload = await cluster.followReloads({
      ...(reloadTokens === undefined ? {} : { tokens: async () => reloadTokens() }),
      ...(reloadWitnesses === undefined ? {} : { witnesses: () => reloadWitnesses() }),
    });
  }
  const announced = <T>(what: ReloadKind, result: T): T => {
    announceReload?.(what).catch((err: unknown) =>
      logger.warn(`couldn't ask the other nodes to reload ${what}; reload them one by one`, { err: describeError(err) }),
    );
    return result;
  };
  const adminOperations = {
    ...(reloadTokens === undefined ? {} : { reloadTokens: () => announced('tokens', reloadTokens()) }),
    ...(reloadWitnesses === undefined ? {} : { reloadWitnesses: async () => announced('witnesses', await reloadWitnesses()) }),
  };
  const pool = config.verifyWorkers > 0 ? createWorkerPool({ size: config.verifyWorkers, signingKeys: poolKeys(keys) }) : undefined;
  if (pool !== undefined) {
    log.useSigner(signerFor(keys, pool)); // the threads also sign: the event loop keeps HTTP, sequencing and the commit
    if (opened.primary.keys.log === keys.log) logV2?.useSigner(signerFor(keys, pool)); // the pool holds the active tree's keys
    pool.start(); // the threads start and compile the API schema while the server comes up
  }
  const admission = pool?.admission ?? inlineAdmission();
  const app = createApp({
    ...(cluster === undefined ? {} : { cluster: cluster.hooks }),
    log,
    ...(logV2 === undefined ? {} : { logV2 }),
    admission,
    maxRequestBytes: config.maxRequestBytes,
    maxEntryBytes: config.maxEntryBytes,
    maxSearchItems: config.maxSearchItems,
    maxSearchResults: config.maxSearchResults,
    fullTiles: new FullTileCache(config.tileCacheMb * 2 ** 20),
    logError: (msg, err) => logger.error(msg, { err }),
    onServed: accessLog(logger),
    witnessStatus: () => witnessing?.status() ?? [],
    ...(tokens === undefined ? {} : { access: { tokens: () => tokens ?? [], readAuth: config.readAuth } }),
    admin: { ...(otp === undefined ? {} : { otp }), operations: adminOperations, audit: adminAudit, log: adminLog.log },
    clock,
    integrityAudit: () => audit.status(),
    ...(config.rateLimit > 0 ? { rateLimit: { ratePerSecond: config.rateLimit, burst: config.rateLimitBurst } } : {}),
    trustProxy: config.trustProxy,
    stopping: () => stopping !== undefined,
    version: packageVersion(),
    metricsOnApi: metricsServer === undefined,
    ...(config.corsOrigins === '' ? {} : { cors: { origins: config.corsOrigins === '*' ? '*' : config.corsOrigins.split(',') } }),
  });
  metricsServer?.serve(app.metrics);
  let stopping: Promise<void> | undefined; // set by stop(): GET /readyz then says "shutting down"
  listener = app;
  logger.info('serving', {
    url,
    ...(metricsServer === undefined ? {} : { metricsUrl: metricsServer.url }),
    origin: identity.origin,
    logID: identity.logId,
    keyType: identity.keyType,
    treeSize: status.size,
    vkey: identity.vkey,
    rekorV2: openedV2 === undefined ? 'not served' : { origin: openedV2.identity.origin, treeSize: openedV2.log.status().size },
    accessControl: tokens === undefined ? 'off' : { tokens: tokens.length, readAuth: config.readAuth, adminOtp: otp !== undefined },
    rateLimit: config.rateLimit > 0 ? { perSecond: config.rateLimit, burst: config.rateLimitBurst } : 'off',
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      audit.stop();
      // HTTP gets the grace period less a reserve for closing the log (the batch in flight, the final sync).
      await Promise.all([
        closeHttpServer(server, config.shutdownGraceMs - Math.min(2_000, Math.floor(config.shutdownGraceMs / 4))),
        metricsServer?.close(Math.min(2_000, config.shutdownGraceMs / 4)),
      ]);
      await witnessReload;
      await witnessing?.close();
      await admission.close();
      await log.close();
      await logV2?.close();
      await adminLog.close();
      await cluster?.stop(); // after every log stopped sequencing: the lease is released for the next node
      await pool?.close();
      await opened.store.close();
      await openedV2?.store.close();
      await keys.close();
      lock.release();
    })();
    return stopping;
  };
  const hangup = async (): Promise<void> => {
    if (reloadTokens === undefined) {
      logger.info('SIGHUP: nothing to reload (no --tokens-file)');
      return;
    }
    let status = 200;
    let reason: string | null = null;
    try {
      reloadTokens(); // logs 'tokens reloaded'
    } catch (err) {
      status = 422;
      reason = 'RELOAD_REFUSED';
      logger.error('SIGHUP: the tokens file was refused; the tokens in force stay in force', { err });
    }
    try {
      await adminAudit.record({ event: 'completed', time: clock.now(), who: null, client: 'signal', operation: 'SIGHUP tokens/reload', status, reason, requestId: null });
    } catch (err) {
      logger.error("SIGHUP: couldn't record the tokens reload in the admin log", { err });
    }
  };
  return { server, opened, openedV2, url, reloadTokens, adminLog, hangup, stop };
}
