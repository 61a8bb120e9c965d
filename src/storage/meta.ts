/**
 * Meta values made once per store by whichever process needs them first: a
 * tree ID, a cluster secret. Several processes opening one database at once
 * (nodes of a cluster on PostgreSQL) each make a candidate; the store's
 * setMeta keeps the first and refuses a different second value with
 * INCONSISTENT, so the losers read and adopt the winner's.
 */
import { isLogError } from '../errors.js';
import type { AsyncLogStore } from './async-types.js';

/** The value stored under `key`, made by `make` and stored now if there is none (the first stored wins a race). */
export async function metaOnce(store: Pick<AsyncLogStore, 'getMeta' | 'setMeta'>, key: string, make: () => string): Promise<string> {
  const stored = await store.getMeta(key);
  if (stored !== undefined) return stored;
  const made = make();
  try {
    await store.setMeta(key, made);
    return made;
  } catch (err) {
    if (!isLogError(err, 'INCONSISTENT')) throw err;
    const winner = await store.getMeta(key);
    if (winner === undefined) throw err;
    return winner;
  }
}
