/**
 * The Rekor v2 tree beside the Rekor v1 log of a data dir: its own store
 * (`rekor-v2.db` in the data dir, or schema `cairn_rekor_v2` of the
 * --database-url database: log-databases.ts), its own origin (the public URL's host,
 * rekorV2Identity) and tiles, signed by the same keys through the same
 * signer. No SETs: Rekor v2 entries carry an inclusion proof only. The store
 * pins the origin, log ID and vkey as the v1 store does, so a changed
 * --public-url or key refuses to start rather than forking the tree.
 *
 * Its origin is the host alone, so a second v2 tree under the same keys
 * would be a fork clients could not tell apart. The v1 store therefore
 * records which v2 tree belongs to it (`rekorV2Tree`: the time of the v2
 * tree's size-0 checkpoint). A start that finds that tree missing (a data
 * dir restored from a backup of `cairn.db` alone) or another one in its
 * place serves no v2 tree, saying why, instead of beginning a new one; the
 * v1 log serves as before.
 */
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { LogService, initLog, rekorV2Identity, type LogIdentity, type LogSigner } from '../log/index.js';
import type { AsyncLogStore } from '../storage/index.js';
import { logDatabaseWhere, openLogDatabase, SQLITE_FILES } from './log-databases.js';

export interface OpenedV2Log {
  readonly store: AsyncLogStore;
  readonly log: LogService;
  readonly identity: LogIdentity;
}

/** The v2 tree's database file in `dataDir`. */
export function v2DatabasePath(dataDir: string): string {
  return join(dataDir, SQLITE_FILES['rekor-v2']);
}

/** Hash tiles the v2 tree caches (≈16 KiB each). */
const V2_TILE_CACHE_SIZE = 1024;

/** The v1 store's record of its v2 tree: the time of the v2 tree's size-0 checkpoint, ms, as a decimal string. */
export const REKOR_V2_TREE_META = 'rekorV2Tree';

/** Why the v2 tree is not served: the one the v1 store names is missing or replaced. */
export interface UnavailableV2Log {
  readonly unavailable: string;
}

/**
 * Open (or create) the v2 tree for the v1 log whose identity is `v1` and
 * store `v1Store`, signing with `signer`; `unavailable` when the v2 tree the
 * v1 store names is missing or replaced (see the module comment). Throws
 * CONFIG_INVALID when the stored origin, log ID or vkey differ, CORRUPT when
 * its start-up self-check fails.
 */
export async function openV2Log(config: Config, v1: LogIdentity, v1Store: AsyncLogStore, signer: LogSigner, clock: Clock = systemClock()): Promise<OpenedV2Log | UnavailableV2Log> {
  const path = logDatabaseWhere(config, 'rekor-v2');
  const recorded = await v1Store.getMeta(REKOR_V2_TREE_META);
  const db = await openLogDatabase(config, 'rekor-v2', { quickCheck: config.startupCheck === 'full', mustExist: recorded !== undefined });
  if (db === undefined) {
    return { unavailable: `the Rekor v2 tree of this log (created ${describeCreated(recorded ?? '')}) is missing: ${path} does not exist or holds no tree; put its copy back and restart (a new tree would fork it under the same origin and keys)` };
  }
  const store = db.store;
  try {
    const identity = rekorV2Identity(v1);
    for (const [key, value] of [['origin', identity.origin], ['logId', identity.logId], ['vkey', identity.vkey]] as const) {
      const stored = await store.getMeta(key);
      if (stored === undefined) await store.setMeta(key, value);
      else if (stored !== value) {
        throw new LogError('CONFIG_INVALID', `the Rekor v2 tree in ${path} was created with ${key} ${JSON.stringify(stored)}, but the configuration gives ${JSON.stringify(value)}`);
      }
    }
    await initLog(store, identity, clock, signer);
    const created = String((await store.listCheckpoints(0, 1))[0]?.time ?? 0);
    if (recorded === undefined) await v1Store.setMeta(REKOR_V2_TREE_META, created);
    else if (recorded !== created) {
      await store.close();
      return { unavailable: `${path} holds another Rekor v2 tree (created ${describeCreated(created)}) than the one of this log (created ${describeCreated(recorded)}); put the log's own copy back and restart` };
    }
    const log = await LogService.open(store, identity, clock, {
      signer,
      batchMaxSize: config.batchMaxSize,
      batchMaxAgeMs: config.batchMaxAgeMs,
      poolMaxSize: config.poolMaxSize,
      signEntryTimestamps: false,
      tileCacheSize: V2_TILE_CACHE_SIZE,
    });
    const readOnly = log.status().readOnly;
    if (readOnly !== undefined) {
      await log.close();
      throw new LogError('CORRUPT', `couldn't serve the Rekor v2 tree in ${path}: the start-up self-check failed: ${readOnly}; restore the data dir from a backup`);
    }
    return { store, log, identity };
  } catch (err) {
    await store.close();
    if (err instanceof LogError) throw err;
    throw new LogError('CORRUPT', `couldn't open the Rekor v2 tree in ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** The creation time of a v2 tree as recorded (milliseconds), for messages. */
export function describeCreated(ms: string): string {
  const t = Number(ms);
  return Number.isFinite(t) ? new Date(t).toISOString() : JSON.stringify(ms);
}
