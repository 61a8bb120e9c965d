/**
 * Opening a log from a Config: data dir, store, keys, tree ID, identity,
 * service. Shared by `cairn serve`, `cairn vkey` and the benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { LogService, initLog, makeIdentity, newTreeId, type LogIdentity } from '../log/index.js';
import { openSqliteStore, type LogStore } from '../storage/index.js';
import { EXIT, ExitError } from './exit-codes.js';
import { openLogKeys, signerFor, type LogKeys } from './log-keys.js';
import { checkOnThread } from './startup-check.js';

export interface OpenedLog {
  readonly store: LogStore;
  readonly log: LogService;
  readonly identity: LogIdentity;
  /** The opened keys: close them after the log (serve's stop does). */
  readonly keys: LogKeys;
}

/** Default number of tiles the service caches (≈16 KiB each: 64 MiB). */
export const TILE_CACHE_SIZE = 4096;

/**
 * Open (or create) the log a Config describes. `signEntryTimestamps: false` is
 * for tools that grow a log through the core append path (benchmarks); the
 * server always signs SETs.
 */
export async function openLogFromConfig(
  config: Config,
  clock: Clock = systemClock(),
  opts: {
    signEntryTimestamps?: boolean;
    existing?: boolean;
    /** Start-up check progress (serve logs it); the check yields to the event loop between its phases. */
    progress?: (msg: string, fields?: Record<string, unknown>) => void;
  } = {},
): Promise<OpenedLog> {
  const progress = opts.progress ?? (() => undefined);
  if (opts.existing === true) requireExistingLog(config);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the data dir ${config.dataDir} is not a writable directory: ${describeError(err)}`);
  }
  const path = join(config.dataDir, 'cairn.db');
  const quickCheck = wantsQuickCheck(config.startupCheck, path, config.auditRate > 0);
  const contentCheck = wantsContentCheck(config.startupCheck, path);
  const exists = existsSync(path);
  progress('start-up check: opening the database', { path, bytes: databaseBytes(path), quickCheck, rehash: contentCheck });
  let t0 = performance.now();
  // quick_check reads every page: on its own thread, so that a listening server keeps answering probes.
  if (quickCheck && exists) await checkOnThread(path, 'quick-check');
  const store = openSqliteStore({ path, quickCheck: quickCheck && !exists });
  progress('start-up check: database open', { ms: Math.round(performance.now() - t0), quickCheck });
  let keys: LogKeys | undefined;
  try {
    keys = await openLogKeys(config);
    let treeId = store.getMeta('treeId');
    if (treeId === undefined) {
      treeId = newTreeId((n) => randomBytes(n));
      store.setMeta('treeId', treeId);
    }
    // File keys give the identity their private halves (signing on the event loop by default); token keys only their public ones.
    const identity = makeIdentity(keys.log.privateKey ?? keys.log.publicKey, treeId, config.publicUrl, keys.note?.privateKey ?? keys.note?.publicKey);
    pinMeta(store, 'logId', identity.logId, 'the log key', keys.log.ref);
    pinMeta(store, 'origin', identity.origin, 'the checkpoint origin (from --public-url)', config.publicUrl);
    pinMeta(store, 'vkey', identity.vkey, 'the note key (C2SP verifier key)', keys.note?.ref ?? keys.log.ref);
    const signer = signerFor(keys);
    await initLog(store, identity, clock, signer);
    const log = LogService.open(store, identity, clock, {
      signer,
      batchMaxSize: config.batchMaxSize,
      batchMaxAgeMs: config.batchMaxAgeMs,
      poolMaxSize: config.poolMaxSize,
      signEntryTimestamps: opts.signEntryTimestamps ?? true,
      tileCacheSize: TILE_CACHE_SIZE,
    });
    // quick_check finds damaged pages, not bytes changed inside records: the full check rehashes the content too.
    progress('start-up check: self-check done', { treeSize: log.status().size, readOnly: log.status().readOnly });
    if (contentCheck && log.status().readOnly === undefined) {
      const treeSize = log.status().size;
      progress('start-up check: rehashing every entry, tile and checkpoint root', { treeSize });
      t0 = performance.now();
      try {
        // On its own thread and connection (the latest checkpoint is the one just self-checked: nothing writes yet).
        await checkOnThread(path, 'rehash', (entries) =>
          progress('start-up check: rehashing', { entries, treeSize, percent: Math.floor((100 * entries) / Math.max(1, treeSize)), ms: Math.round(performance.now() - t0) }),
        );
        progress('start-up check: rehash done', { ms: Math.round(performance.now() - t0) });
      } catch (err) {
        throw new LogError('CORRUPT', `couldn't open the log in ${path}: ${describeError(err)}; restore the data dir from a backup`, { cause: err });
      }
    }
    return { store, log, identity, keys };
  } catch (err) {
    store.close();
    await keys?.close();
    throw err;
  }
}

/**
 * For commands that read a log (`cairn vkey`): the data dir must hold one,
 * with its key file. Refused with exit status 4 before anything is created, so
 * a mistyped --data-dir does not silently make a new log and key.
 */
function requireExistingLog(config: Config): void {
  const db = join(config.dataDir, 'cairn.db');
  if (!existsSync(db)) {
    throw new ExitError(
      EXIT.NO_LOG,
      `no log in ${config.dataDir} (${db} does not exist); check --data-dir / CAIRN_DATA_DIR (only cairn serve creates a log)`,
    );
  }
  if (!/^pkcs11:/i.test(config.keyFile) && !existsSync(config.keyFile)) {
    throw new ExitError(EXIT.NO_LOG, `the log in ${config.dataDir} has no key file ${config.keyFile}; check --key-file / CAIRN_KEY_FILE`);
  }
}

/** Largest database `auto` still checks page by page at start (quick_check reads every page: ~1 s per GiB or more). */
const AUTO_FULL_CHECK_BYTES = 2 ** 30;

/**
 * Whether to run SQLite's quick_check at open. Its cost grows with the file,
 * so above 1 GiB `auto` relies on the self-check (latest checkpoint signature,
 * root from tiles, last entries vs last tile), keeping restarts fast at 10M
 * entries; `--startup-check full` forces it. With the integrity audit on
 * (src/log/integrity-audit.ts, which rehashes every stored row while the log
 * serves), `auto` stops at the rehash's limit, 256 MiB: mid-size logs are no
 * longer read whole at every start.
 */
function wantsQuickCheck(mode: Config['startupCheck'], path: string, audited: boolean): boolean {
  if (mode !== 'auto') return mode === 'full';
  return databaseBytes(path) <= (audited ? AUTO_CONTENT_CHECK_BYTES : AUTO_FULL_CHECK_BYTES);
}

/** Largest database `auto` rehashes at start (verifyStoredLog reads every entry: ~12 s per million entries on 2 cores). */
const AUTO_CONTENT_CHECK_BYTES = 256 * 2 ** 20;

/** Whether to rehash every entry, tile and checkpoint root at start (`full`, or `auto` up to 256 MiB). */
function wantsContentCheck(mode: Config['startupCheck'], path: string): boolean {
  if (mode !== 'auto') return mode === 'full';
  return databaseBytes(path) <= AUTO_CONTENT_CHECK_BYTES;
}

function databaseBytes(path: string): number {
  return (statSync(path, { throwIfNoEntry: false })?.size ?? 0) + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
}

/** A log's key and origin never change: refuse to start with different ones. */
function pinMeta(store: LogStore, key: string, value: string, what: string, source: string): void {
  const stored = store.getMeta(key);
  if (stored === undefined) store.setMeta(key, value);
  else if (stored !== value) {
    throw new LogError(
      'CONFIG_INVALID',
      `${what} changed: this log was created with ${key} ${JSON.stringify(stored)}, but ${source} gives ${JSON.stringify(value)}`,
    );
  }
}
