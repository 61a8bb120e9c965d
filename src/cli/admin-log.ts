/**
 * Opening the admin audit log (src/log/admin-log.ts) for `cairn serve`: its
 * own SQLite file, `<data-dir>/admin-log.db`, beside the log's (or schema
 * `cairn_admin_log` of the --database-url database: log-databases.ts), run by the
 * same LogService on the same kind of store, and signed by the log's note key
 * (the log key for an Ed25519 log). The audit log's tree ID and origin are
 * pinned in its store at first start, as the log's are (the first note key
 * as `vkey`), and every later note key that has signed it is remembered
 * (`vkey.<n>` meta): after a rotation to a
 * key with another note key, the latest checkpoint still verifies at start
 * and the next one is signed by the new key. The
 * start-up self-check runs on it too, and a damaged audit log stops the
 * server (exit 2), since admin operations could not be recorded.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { LogError, describeError } from '../errors.js';
import type { AdminAudit } from '../http/index.js';
import {
  LogService,
  adminLogIdentity,
  adminLogSigner,
  adminRecordSubmission,
  initLog,
  newTreeId,
  type LogIdentity,
} from '../log/index.js';
import { parseVkey } from '../note/index.js';
import { metaOnce, type AsyncLogStore } from '../storage/index.js';
import { logDatabaseWhere, openLogDatabase, SQLITE_FILES, type DatabaseSettings, type LogDatabase } from './log-databases.js';
import type { LogKeys } from './log-keys.js';

/** The audit log's file in the data dir. */
export const ADMIN_LOG_FILE = SQLITE_FILES['admin-log'];

export interface OpenedAdminLog {
  readonly log: LogService;
  readonly store: AsyncLogStore;
  /** Appends a record; resolves once it is durable and published. */
  readonly audit: AdminAudit;
  /** Drains the audit log and closes its store. */
  close(): Promise<void>;
}

export async function openAdminLog(settings: DatabaseSettings, identity: LogIdentity, keys: LogKeys, clock: Clock): Promise<OpenedAdminLog> {
  const path = logDatabaseWhere(settings, 'admin-log');
  const store = ((await openLogDatabase(settings, 'admin-log', { quickCheck: true })) as LogDatabase).store;
  try {
    const treeId = await metaOnce(store, 'treeId', () => newTreeId((n) => randomBytes(n)));
    const { known, next } = await knownNoteKeys(store);
    if (known.length === 0) await store.setMeta('vkey', identity.vkey); // the first note key, where tools that prove a copy look
    else if (!known.includes(identity.vkey)) await store.setMeta(`vkey.${next}`, identity.vkey);
    const id = adminLogIdentity(identity, treeId, known.filter((v) => v !== identity.vkey).map((v) => parseVkey(v)));
    const origin = await store.getMeta('origin');
    if (origin === undefined) await store.setMeta('origin', id.origin);
    else if (origin !== id.origin) {
      throw new LogError('CONFIG_INVALID', `the admin log in ${path} was created with origin ${JSON.stringify(origin)}, but this server's is ${JSON.stringify(id.origin)} (the public URL's host changed)`);
    }
    const signer = adminLogSigner((keys.note ?? keys.log).signer);
    await initLog(store, id, clock, signer);
    // One record per batch at most a few ms old: admin requests are rare, and each waits for its own record.
    const log = await LogService.open(store, id, clock, { signer, batchMaxSize: 64, batchMaxAgeMs: 0, poolMaxSize: 1024, signEntryTimestamps: false, tileCacheSize: 64 });
    const readOnly = log.status().readOnly;
    if (readOnly !== undefined) {
      await log.close();
      throw new LogError('CORRUPT', `couldn't open the admin log in ${path}: the start-up self-check failed: ${readOnly}; restore the data dir from a backup`);
    }
    return {
      log,
      store,
      audit: {
        record: async (r) => {
          await log.submit(adminRecordSubmission(r));
        },
      },
      close: async () => {
        await log.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err instanceof LogError ? err : new LogError('CONFIG_INVALID', `couldn't open the admin log in ${path}: ${describeError(err)}`, { cause: err });
  }
}

/**
 * The vkeys of the note keys that have signed the audit log, oldest first
 * (a store made before keys could change has its first one under `vkey`),
 * and the number of the next `vkey.<n>`.
 */
async function knownNoteKeys(store: AsyncLogStore): Promise<{ known: string[]; next: number }> {
  const known: string[] = [];
  const first = await store.getMeta('vkey');
  if (first !== undefined) known.push(first);
  for (let i = 0; ; i++) {
    const v = await store.getMeta(`vkey.${i}`);
    if (v === undefined) return { known, next: i };
    if (!known.includes(v)) known.push(v);
  }
}
