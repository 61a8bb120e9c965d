/**
 * A LogStore that delegates to a real one and fails on demand, for the
 * sequencer's failure tests: "a failed commit fails the whole batch, writes
 * nothing, and the log keeps serving".
 */

import { LogError } from '../../src/errors.js';
import { toLogError } from '../../src/storage/index.js';
import type { AsyncLogStore } from '../../src/storage/index.js';
import type { Batch, CheckpointRow, CosignatureRow, LogStore, Rotation, ShardRow, StoredEntry, TileRow, TreeReads } from '../../src/storage/types.js';

/** SQLite failures a commit can meet in production, by their SQLite code. */
export type SqliteFailure = 'SQLITE_FULL' | 'SQLITE_READONLY' | 'SQLITE_IOERR' | 'SQLITE_BUSY';

const MESSAGES: Record<SqliteFailure, string> = {
  SQLITE_FULL: 'database or disk is full',
  SQLITE_READONLY: 'attempt to write a readonly database',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_BUSY: 'database is locked',
};

/**
 * The error SqliteStore throws when a commit fails with `failure`:
 * LogError('STORE_FAILED') whose cause carries the SQLite code, as a
 * better-sqlite3 SqliteError does.
 */
export function storeFailure(failure: SqliteFailure = 'SQLITE_FULL'): LogError {
  const cause = Object.assign(new Error(MESSAGES[failure]), { name: 'SqliteError', code: failure });
  return toLogError('commit batch', cause, 'STORE_FAILED');
}

/**
 * Wraps `inner`; every call is passed through, except that the next N
 * `appendBatch` calls armed by {@link failNextAppends} throw before reaching
 * `inner`, so nothing is written (as a real failed transaction).
 */
export class FaultyStore implements LogStore {
  readonly inner: LogStore;
  #failures: (() => Error)[] = [];
  #failuresAfterWrite: (() => Error)[] = [];
  #appendCalls = 0;
  #failedCalls = 0;

  constructor(inner: LogStore) {
    this.inner = inner;
  }

  /**
   * Make the next `count` appendBatch calls throw. `failure` is a SQLite code
   * (thrown as {@link storeFailure}) or a function making any error.
   */
  failNextAppends(count: number, failure: SqliteFailure | (() => Error) = 'SQLITE_FULL'): this {
    const make = typeof failure === 'function' ? failure : () => storeFailure(failure);
    for (let i = 0; i < count; i++) this.#failures.push(make);
    return this;
  }

  /**
   * Make the next `count` appendBatch calls write the batch to `inner` and then
   * throw anyway: a commit that reports failure although it reached the store
   * (e.g. an fsync error after the write).
   */
  persistThenFailNext(count: number, failure: SqliteFailure = 'SQLITE_IOERR'): this {
    for (let i = 0; i < count; i++) this.#failuresAfterWrite.push(() => storeFailure(failure));
    return this;
  }

  /** Forget any armed failures. */
  heal(): this {
    this.#failures = [];
    this.#failuresAfterWrite = [];
    return this;
  }

  /** appendBatch calls seen, failed or not. */
  get appendCalls(): number {
    return this.#appendCalls;
  }

  /** appendBatch calls that threw an injected failure. */
  get failedCalls(): number {
    return this.#failedCalls;
  }

  /** Failures still armed. */
  get pendingFailures(): number {
    return this.#failures.length;
  }

  appendBatch(previousSize: number, batch: Batch): void {
    this.#appendCalls++;
    const failure = this.#failures.shift();
    if (failure !== undefined) {
      this.#failedCalls++;
      throw failure();
    }
    this.inner.appendBatch(previousSize, batch);
    const after = this.#failuresAfterWrite.shift();
    if (after !== undefined) {
      this.#failedCalls++;
      throw after();
    }
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.inner.latestCheckpoint();
  }
  shards(): ShardRow[] {
    return this.inner.shards?.() ?? [];
  }
  addFirstShard(row: Rotation['next']): void {
    this.inner.addFirstShard?.(row);
  }
  rotate(rotation: Rotation): void {
    if (this.inner.rotate === undefined) throw new LogError('INTERNAL', 'the inner store cannot rotate');
    this.inner.rotate(rotation);
  }
  freeze(size: number, atMs: number): void {
    if (this.inner.freeze === undefined) throw new LogError('INTERNAL', 'the inner store cannot freeze');
    this.inner.freeze(size, atMs);
  }
  frozenTree(ordinal: number): TreeReads {
    if (this.inner.frozenTree === undefined) throw new LogError('NOT_FOUND', 'the inner store keeps one tree');
    return this.inner.frozenTree(ordinal);
  }
  checkpointAt(size: number): CheckpointRow | undefined {
    return this.inner.checkpointAt(size);
  }
  listCheckpoints(fromSize: number, limit: number): CheckpointRow[] {
    return this.inner.listCheckpoints(fromSize, limit);
  }
  addCosignature(row: CosignatureRow): void {
    this.inner.addCosignature(row);
  }
  cosignatures(size: number): CosignatureRow[] {
    return this.inner.cosignatures(size);
  }
  entryByIndex(index: number): StoredEntry | undefined {
    return this.inner.entryByIndex(index);
  }
  entriesInRange(start: number, count: number): StoredEntry[] {
    return this.inner.entriesInRange(start, count);
  }
  entryByLeafHash(leafHash: Uint8Array): StoredEntry | undefined {
    return this.inner.entryByLeafHash(leafHash);
  }
  indexOfLeafHash(leafHash: Uint8Array): number | undefined {
    return this.inner.indexOfLeafHash(leafHash);
  }
  searchKey(key: string, limit: number): number[] {
    return this.inner.searchKey(key, limit);
  }
  tile(level: number, index: number): TileRow | undefined {
    return this.inner.tile(level, index);
  }
  leafGroup(group: number): Uint8Array | undefined {
    return this.inner.leafGroup?.(group);
  }
  sync(): Promise<void> {
    return this.inner.sync?.() ?? Promise.resolve();
  }
  getMeta(key: string): string | undefined {
    return this.inner.getMeta(key);
  }
  setMeta(key: string, value: string): void {
    this.inner.setMeta(key, value);
  }
  sizeOnDisk(): number {
    return this.inner.sizeOnDisk();
  }
  close(): void {
    this.inner.close();
  }
}

/**
 * Failures on demand for any asynchronous store (a PostgresStore, say):
 * {@link wrap} gives a view of it (and of its trees' views, `tree(k)`) whose
 * methods named by {@link fail} reject with the error made there (before
 * reaching the store, so nothing is written), until {@link heal}. Everything
 * else passes through.
 */
export class StoreFaults {
  #failing = new Map<string, () => Error>();

  /** Make every call of `methods` reject with `make()`. */
  fail(methods: readonly (keyof AsyncLogStore)[], make: () => Error): this {
    for (const m of methods) this.#failing.set(m, make);
    return this;
  }

  heal(): this {
    this.#failing.clear();
    return this;
  }

  /** `store`, failing as armed. */
  wrap = <S extends object>(store: S): S =>
    new Proxy(store, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const make = typeof prop === 'string' ? this.#failing.get(prop) : undefined;
          if (make !== undefined) return Promise.reject(make());
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return prop === 'tree' && typeof result === 'object' && result !== null ? this.wrap(result) : result; // a tree's view fails alike
        };
      },
    });
}
