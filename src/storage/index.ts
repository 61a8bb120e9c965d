/**
 * The storage layer: the {@link LogStore} contract and its SQLite
 * implementation, the asynchronous contract ({@link AsyncLogStore}) and its
 * PostgreSQL implementation. The only module tree that imports better-sqlite3
 * and pg.
 */

export type { Batch, CheckpointRow, CosignatureRow, LogStore, Rotation, SearchKey, ShardRow, StoredEntry, TileRow, TreeReads } from './types.js';
export type { AsyncLogStore, AsyncTreeReads } from './async-types.js';
export { toAsyncReads, toAsyncStore } from './async-adapter.js';
export { MAX_BODY_BYTES, validateBatch } from './batch.js';
export { metaOnce } from './meta.js';
export { APPLICATION_ID, openDatabase, type Database, type OpenDatabaseOptions } from './sqlite/db.js';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
export { backupDatabase, openReadOnlyStore, type BackupResult } from './sqlite/backup.js';
export { SqliteSnapshot, openSnapshot } from './sqlite/snapshot.js';
export { isCorruption, sqliteCode, toLogError } from './sqlite/errors.js';
export { PostgresStore, openPostgresStore, type PostgresStoreOptions } from './postgres/store.js';
export { checkpointChannel } from './postgres/notify.js';
export { CheckpointListener, LISTENER_APPLICATION_NAME, type CheckpointListenerOptions, type ListenerChange } from './postgres/checkpoint-listener.js';
export { PostgresAdminOtp, type OtpLockoutRule, type OtpSpend } from './postgres/admin-otp.js';
export { redact as redactDatabaseUrl } from './postgres/connect.js';
export { PostgresLease, isPreviousProcess, nodeHost, openPostgresLease, type AcquireOptions, type LeaseGrant, type LeaseOptions, type LeaseView, type SequencerFence } from './postgres/lease.js';
export { PostgresImport, openPostgresImport, type ImportCounts, type ImportStatus } from './postgres/import.js';
export { ImportChunk, type ChunkEnd } from './postgres/import-chunk.js';
export type { AdvanceResult, WitnessExpectation, WitnessStore, WitnessedCheckpoint } from './witness-types.js';
export {
  SqliteWitnessStore,
  WITNESS_APPLICATION_ID,
  openSqliteWitnessStore,
  type SqliteWitnessStoreOptions,
} from './sqlite/witness-store.js';
