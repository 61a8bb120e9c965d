/**
 * The Rekor v2 tree beside the Rekor v1 log of a data dir: its own store
 * (`rekor-v2.db` in the data dir), its own origin (the public URL's host,
 * rekorV2Identity) and tiles, signed by the same keys through the same
 * signer. No SETs: Rekor v2 entries carry an inclusion proof only. The store
 * pins the origin, log ID and vkey as the v1 store does, so a changed
 * --public-url or key refuses to start rather than forking the tree.
 */
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { LogService, initLog, rekorV2Identity, type LogIdentity, type LogSigner } from '../log/index.js';
import { openSqliteStore, type LogStore } from '../storage/index.js';

export interface OpenedV2Log {
  readonly store: LogStore;
  readonly log: LogService;
  readonly identity: LogIdentity;
}

/** The v2 tree's database file in `dataDir`. */
export function v2DatabasePath(dataDir: string): string {
  return join(dataDir, 'rekor-v2.db');
}

/** Hash tiles the v2 tree caches (≈16 KiB each). */
const V2_TILE_CACHE_SIZE = 1024;

/**
 * Open (or create) the v2 tree for the v1 log whose identity is `v1`, signing
 * with `signer`. Throws CONFIG_INVALID when the stored origin, log ID or vkey
 * differ, CORRUPT when its start-up self-check fails.
 */
export async function openV2Log(config: Config, v1: LogIdentity, signer: LogSigner, clock: Clock = systemClock()): Promise<OpenedV2Log> {
  const path = v2DatabasePath(config.dataDir);
  const store = openSqliteStore({ path, quickCheck: config.startupCheck === 'full' });
  try {
    const identity = rekorV2Identity(v1);
    for (const [key, value] of [['origin', identity.origin], ['logId', identity.logId], ['vkey', identity.vkey]] as const) {
      const stored = store.getMeta(key);
      if (stored === undefined) store.setMeta(key, value);
      else if (stored !== value) {
        throw new LogError('CONFIG_INVALID', `the Rekor v2 tree in ${path} was created with ${key} ${JSON.stringify(stored)}, but the configuration gives ${JSON.stringify(value)}`);
      }
    }
    await initLog(store, identity, clock, signer);
    const log = LogService.open(store, identity, clock, {
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
    store.close();
    if (err instanceof LogError) throw err;
    throw new LogError('CORRUPT', `couldn't open the Rekor v2 tree in ${path}: ${describeError(err)}`, { cause: err });
  }
}
