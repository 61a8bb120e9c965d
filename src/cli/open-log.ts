/**
 * Opening a log from a Config: data dir, store, keys, tree ID, identity,
 * service. Shared by `cairn serve`, `cairn vkey` and the benchmarks. The
 * store is `cairn.db` in the data dir, or with --database-url the PostgreSQL
 * database (log-databases.ts).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { LogService, initLog, makeIdentity, newTreeId, verifyStoredLog, type LogIdentity } from '../log/index.js';
import { metaOnce, type AsyncLogStore, type PostgresStore, type ShardRow } from '../storage/index.js';
import { logDatabaseWhere, onPostgres, openLogDatabase, type DatabaseWait, type LogDatabase } from './log-databases.js';
import { EXIT, ExitError } from './exit-codes.js';
import { openLogKeys, openNextLogKeys, signerFor, type LogKeys } from './log-keys.js';
import { checkOnThread } from './startup-check.js';

export interface OpenedLog {
  readonly store: AsyncLogStore;
  /** Where the store is, for messages: the file, or the database URL without its password. */
  readonly where: string;
  /** The store itself when it is PostgreSQL (--database-url); undefined on SQLite. */
  readonly postgres: PostgresStore | undefined;
  readonly log: LogService;
  readonly identity: LogIdentity;
  /** The active tree's keys (closing them closes every key opened): close them after the log (serve's stop does). */
  readonly keys: LogKeys;
  /**
   * The --key-file keys and their identity in the log's first tree: what the
   * Rekor v2 tree signs with, which keeps its key and tree when the v1 log
   * rotates (`keys` may then be the --next-key-file keys).
   */
  readonly primary: { readonly keys: LogKeys; readonly identity: LogIdentity };
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
    /** With --database-url: wait this long for a database that cannot be reached (serve's --database-wait-ms); default: fail at once. */
    databaseWait?: DatabaseWait;
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
  const pg = onPostgres(config);
  const quickCheck = !pg && wantsQuickCheck(config.startupCheck, path, config.auditRate > 0);
  const contentCheck = pg ? config.startupCheck === 'full' : wantsContentCheck(config.startupCheck, path);
  let t0 = performance.now();
  let db: LogDatabase;
  if (pg) {
    // No file to check page by page: the server keeps its own checksums. The O(log n) self-check runs at open, the
    // integrity audit (--audit-rate) rehashes what is stored while serving, and --startup-check full rehashes it all now.
    progress('start-up check: opening the PostgreSQL database (self-check; the integrity audit rehashes stored rows while serving)', {
      database: logDatabaseWhere(config, 'log'),
      rehash: contentCheck,
    });
    db =
      (await openLogDatabase(config, 'log', { mustExist: opts.existing === true, ...(opts.databaseWait === undefined ? {} : { wait: opts.databaseWait }) })) ??
      noLogIn(logDatabaseWhere(config, 'log'));
  } else {
    const exists = existsSync(path);
    progress('start-up check: opening the database', { path, bytes: databaseBytes(path), quickCheck, rehash: contentCheck });
    // quick_check reads every page: on its own thread, so that a listening server keeps answering probes.
    if (quickCheck && exists) await checkOnThread(path, 'quick-check');
    db = (await openLogDatabase(config, 'log', { quickCheck: quickCheck && !exists })) as LogDatabase;
  }
  const store = db.store;
  progress('start-up check: database open', { ms: Math.round(performance.now() - t0), quickCheck });
  let keys: LogKeys | undefined;
  try {
      keys = await openLogKeys(config);
    const chosen = await activeKeys(config, store, keys);
    keys = chosen.keys;
    const active = chosen.keys.active;
    const rows = (await store.shards?.()) ?? [];
    const treeId = rows[rows.length - 1]?.treeId ?? (await metaOnce(store, 'treeId', () => newTreeId((n) => randomBytes(n))));
    // File keys give the identity their private halves (signing on the event loop by default); token keys only their public ones.
    const identity = makeIdentity(active.log.privateKey ?? active.log.publicKey, treeId, config.publicUrl, active.note?.privateKey ?? active.note?.publicKey);
    if (rows.length <= 1) {
      // The log's first tree: its key, origin and note key are pinned at first start.
      await pinMeta(store, 'logId', identity.logId, 'the log key', active.log.ref);
      await pinMeta(store, 'origin', identity.origin, 'the checkpoint origin (from --public-url)', config.publicUrl);
      await pinMeta(store, 'vkey', identity.vkey, 'the note key (C2SP verifier key)', active.note?.ref ?? active.log.ref);
    } else {
      await checkRotatedIdentity(store, identity, rows[rows.length - 1]!, config.publicUrl, active.note?.ref ?? active.log.ref);
    }
    const signer = signerFor(active);
    await initLog(store, identity, clock, signer);
    const staged = chosen.staged;
    const log = await LogService.open(store, identity, clock, {
      signer,
      ...(staged === undefined
        ? {}
        : { nextKeys: { logKey: staged.log.privateKey ?? staged.log.publicKey, noteKey: staged.note?.privateKey ?? staged.note?.publicKey, signer: signerFor(staged) } }),
      batchMaxSize: config.batchMaxSize,
      batchMaxAgeMs: config.batchMaxAgeMs,
      poolMaxSize: config.poolMaxSize,
      signEntryTimestamps: opts.signEntryTimestamps ?? true,
      tileCacheSize: TILE_CACHE_SIZE,
    });
    // quick_check finds damaged pages, not bytes changed inside records: the full check rehashes the content too.
    progress('start-up check: self-check done', { treeSize: log.status().size, readOnly: log.status().readOnly });
    if (contentCheck && log.status().readOnly === undefined) {
      const treeSize = log.reader.firstIndex + log.status().size; // every tree's entries
      progress('start-up check: rehashing every entry, tile and checkpoint root', { treeSize });
      t0 = performance.now();
      const rehashing = (entries: number): void =>
        progress('start-up check: rehashing', { entries, treeSize, percent: Math.floor((100 * entries) / Math.max(1, treeSize)), ms: Math.round(performance.now() - t0) });
      try {
        // SQLite: on its own thread and connection (the latest checkpoint is the one just self-checked: nothing writes
        // yet). PostgreSQL: over the store's connections, each read a round trip the event loop does not wait on.
        if (pg) await verifyStoredLog(store, log.reader.latest(), throttled(rehashing), log.reader.firstIndex);
        else await checkOnThread(path, 'rehash', rehashing);
        progress('start-up check: rehash done', { ms: Math.round(performance.now() - t0) });
      } catch (err) {
        if (isLogError(err, 'STORE_FAILED')) throw err;
        const remedy = pg ? 'restore the database from a backup' : 'restore the data dir from a backup';
        throw new LogError('CORRUPT', `couldn't open the log in ${db.where}: ${describeError(err)}; ${remedy}`, { cause: err });
      }
    }
    const primary = chosen.primary;
    // The Rekor v2 tree was made beside the log's first tree, with its ID and the --key-file key; it never rotates.
    const firstTreeId = rows[0]?.treeId ?? treeId;
    const primaryIdentity =
      primary === active && firstTreeId === treeId
        ? identity
        : makeIdentity(primary.log.privateKey ?? primary.log.publicKey, firstTreeId, config.publicUrl, primary.note?.privateKey ?? primary.note?.publicKey);
    return { store, where: db.where, postgres: db.postgres, log, identity, keys: { ...active, close: () => keys!.close() }, primary: { keys: primary, identity: primaryIdentity } };
  } catch (err) {
    await store.close();
    await keys?.close();
    throw err;
  }
}

/** The opened key sets: the active tree's, and the one staged for the next tree (if any, and not the active one). */
interface ChosenKeys {
  readonly keys: LogKeys & { readonly active: LogKeys };
  /** The --key-file keys. */
  readonly primary: LogKeys;
  readonly staged: LogKeys | undefined;
}

/**
 * Which opened keys sign the active tree: --key-file's, or, after a rotation
 * to the staged key, --next-key-file's (so the settings need not change when
 * a rotation happens). Any other key is refused (CONFIG_INVALID): a tree's
 * key never changes. The returned `keys.close` closes every key opened.
 */
async function activeKeys(config: Config, store: AsyncLogStore, keys: LogKeys): Promise<ChosenKeys> {
  const next = config.nextKeyFile === undefined ? undefined : await openNextLogKeys({ ...config, nextKeyFile: config.nextKeyFile }, keys);
  const close = async (): Promise<void> => {
    await next?.close();
    await keys.close();
  };
  const rows = (await store.shards?.()) ?? [];
  const row = rows[rows.length - 1];
  const pem = (k: LogKeys): string => k.log.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const same = (a: LogKeys, b: LogKeys | undefined): boolean => b !== undefined && pem(a) === pem(b);
  const staged = next !== undefined && !same(keys, next) ? next : undefined;
  if (row === undefined || pem(keys) === row.publicKeyPem) return { keys: { ...keys, active: keys, close }, primary: keys, staged };
  if (next !== undefined && pem(next) === row.publicKeyPem) return { keys: { ...next, active: next, close }, primary: keys, staged: undefined };
  await close();
  throw new LogError(
    'CONFIG_INVALID',
    `the log key changed: the active tree ${row.treeId} is signed by another key than --key-file ${keys.log.ref}${next === undefined ? '' : ` or --next-key-file ${next.log.ref}`}`,
  );
}

/** After a rotation: the note key and the public URL's host are the active tree's (the origin names the host). */
async function checkRotatedIdentity(store: AsyncLogStore, identity: LogIdentity, row: ShardRow, publicUrl: string, noteRef: string): Promise<void> {
  const note = identity.keyType === 'ed25519' ? undefined : identity.notePublicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (note !== row.noteKeyPem) {
    throw new LogError('CONFIG_INVALID', `the note key changed: the active tree ${row.treeId} was started with another note key than ${noteRef}`);
  }
  const origin = await store.getMeta('origin');
  const host = origin?.slice(0, origin.lastIndexOf(' - '));
  if (host !== undefined && host !== identity.host) {
    throw new LogError('CONFIG_INVALID', `the checkpoint origin changed: this log's host is ${JSON.stringify(host)}, but --public-url ${publicUrl} gives ${JSON.stringify(identity.host)}`);
  }
}

/**
 * For commands that read a log (`cairn vkey`): the data dir must hold one,
 * with its key file. Refused with exit status 4 before anything is created, so
 * a mistyped --data-dir does not silently make a new log and key.
 */
/** The log a command that reads one (`cairn vkey`) needs is not there. */
function noLogIn(where: string): never {
  throw new ExitError(EXIT.NO_LOG, `no log in ${where} (it holds no checkpoint); check --database-url / CAIRN_DATABASE_URL (only cairn serve creates a log)`);
}

function requireExistingLog(config: Config): void {
  const db = join(config.dataDir, 'cairn.db');
  if (!onPostgres(config) && !existsSync(db)) {
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
async function pinMeta(store: AsyncLogStore, key: string, value: string, what: string, source: string): Promise<void> {
  const stored = await store.getMeta(key);
  if (stored === undefined) await store.setMeta(key, value);
  else if (stored !== value) {
    throw new LogError(
      'CONFIG_INVALID',
      `${what} changed: this log was created with ${key} ${JSON.stringify(stored)}, but ${source} gives ${JSON.stringify(value)}`,
    );
  }
}

/** `progress` called at most every 2 s. */
function throttled(progress: (entries: number) => void): (entries: number) => void {
  let last = performance.now();
  return (entries) => {
    const now = performance.now();
    if (now - last < 2_000) return;
    last = now;
    progress(entries);
  };
}
