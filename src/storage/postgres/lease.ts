/**
 * The sequencer lease of several Cairn nodes on one PostgreSQL database: one
 * row (migrations/postgres/0002_sequencer_lease.sql) naming the node that
 * sequences, its forwarding URL, an epoch and an expiry, all judged by the
 * database's clock (clock_timestamp()), never a node's.
 *
 * Contract:
 * - At most one node holds a live lease at any instant of the database's
 *   clock: {@link PostgresLease.tryAcquire} succeeds only on an expired
 *   lease, and bumps the epoch.
 * - A holder keeps it by {@link PostgresLease.renew} before it expires; a
 *   renewal of a lease that expired or was taken over fails (undefined), and
 *   the epoch it held never becomes valid again.
 * - Fencing: a store fenced with (holder, epoch) (PostgresStore.fence)
 *   commits a batch only while that lease is live, checked by the database
 *   in the batch's compare-and-swap, which also takes a KEY SHARE lock on the
 *   lease row until the batch commits or rolls back. A takeover locks the
 *   row FOR UPDATE first, so it waits for such a commit to end: no batch of
 *   a deposed holder commits after the next holder took the lease, whatever
 *   the holder's process did meanwhile (paused, partitioned, slow).
 */

import type pg from 'pg';
import { LogError } from '../../errors.js';
import { createPool, redact, type PostgresConnectionOptions } from './connect.js';
import { toLogError } from './errors.js';

/** The lease row as the database sees it now. */
export interface LeaseView {
  /** The node holding or last holding the lease; undefined if no node ever took it. */
  readonly holder: string | undefined;
  /** That node's forwarding URL ('' if none). */
  readonly nodeUrl: string;
  readonly epoch: number;
  /** Whether it is held now (not expired by the database's clock). */
  readonly live: boolean;
  /** Milliseconds until it expires by the database's clock (≤ 0 once expired). */
  readonly remainingMs: number;
}

/** A lease taken or renewed: held until `ttlMs` after the database answered (≥ the caller's send time + ttlMs). */
export interface LeaseGrant {
  readonly holder: string;
  readonly nodeUrl: string;
  readonly epoch: number;
  readonly ttlMs: number;
}

/** What a fenced store commits under: the holder and the epoch it acquired. */
export interface SequencerFence {
  readonly holder: string;
  readonly epoch: number;
  /**
   * The schema of the lease row, when it is not the store's own (several
   * logs of one node in one database, each in its schema, all fenced by the
   * one lease): a plain lower-case identifier. Undefined: the store's schema.
   */
  readonly leaseSchema?: string;
}

const VIEW = `holder, node_url AS "nodeUrl", epoch, expires_at > clock_timestamp() AS live,
  (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS "remainingMs"`;

/** Connection settings of the lease: a pool of its own, so that a busy store never delays a renewal. */
export type LeaseOptions = PostgresConnectionOptions;

/**
 * Open the lease of the database at `options.url`, which MUST already be
 * migrated (openPostgresStore does). Its own small pool (two connections);
 * `queryTimeoutMs` should be below a third of the TTL used, so that a
 * renewal that hangs fails while the lease is still valid.
 */
export function openPostgresLease(options: LeaseOptions): PostgresLease {
  return new PostgresLease(createPool({ maxConnections: 2, ...options }), redact(options.url));
}

export class PostgresLease {
  readonly #pool: pg.Pool;
  readonly #label: string;
  #closed = false;

  constructor(pool: pg.Pool, label: string) {
    this.#pool = pool;
    this.#label = label;
  }

  /** The schema the lease row lives in (for {@link SequencerFence.leaseSchema}). */
  async schema(): Promise<string> {
    const res = await this.#query<{ schema: string }>('find the sequencer lease', "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'sequencer_lease' AND table_schema = current_schema()", []);
    const schema = res.rows[0]?.schema;
    if (schema === undefined) throw new LogError('CONFIG_INVALID', `couldn't find the sequencer lease in ${this.#label}: the database is not migrated`);
    return schema;
  }

  /** The lease now. */
  async read(): Promise<LeaseView> {
    const res = await this.#query<LeaseView & { holder: string }>('read the sequencer lease', `SELECT ${VIEW} FROM sequencer_lease`, []);
    const row = res.rows[0];
    if (row === undefined) throw new LogError('CORRUPT', `couldn't read the sequencer lease of ${this.#label}: its row is missing`);
    return { ...row, holder: row.holder === '' ? undefined : row.holder };
  }

  /**
   * Take the lease for `holder` (advertising `nodeUrl`) for `ttlMs`, if it
   * has expired; undefined if another node holds it (or `holder` itself:
   * renew that). Waits for a fenced commit in progress to end (its KEY SHARE
   * lock), then judges expiry. The new epoch is one more than the last.
   */
  async tryAcquire(holder: string, nodeUrl: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    checkHolder(holder);
    const client = await this.#connect('take the sequencer lease');
    let failed = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM sequencer_lease FOR UPDATE');
      const res = await client.query<{ epoch: number }>(
        `UPDATE sequencer_lease SET holder = $1, node_url = $2, epoch = epoch + 1,
           acquired_at = clock_timestamp(), expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE expires_at <= clock_timestamp() RETURNING epoch`,
        [holder, nodeUrl, ttlMs],
      );
      await client.query('COMMIT');
      const epoch = res.rows[0]?.epoch;
      return epoch === undefined ? undefined : { holder, nodeUrl, epoch, ttlMs };
    } catch (err) {
      failed = true;
      throw toLogError(`take the sequencer lease of ${this.#label}`, err, 'STORE_FAILED');
    } finally {
      client.off('error', ignore);
      client.release(failed ? true : undefined); // a failed connection is closed: the server rolls back
    }
  }

  /** Extend `holder`'s lease of `epoch` to `ttlMs` from now; undefined when it expired or was taken over (lost for good). */
  async renew(holder: string, epoch: number, ttlMs: number): Promise<LeaseGrant | undefined> {
    const res = await this.#query<{ nodeUrl: string }>(
      'renew the sequencer lease',
      `UPDATE sequencer_lease SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE holder = $1 AND epoch = $2 AND expires_at > clock_timestamp() RETURNING node_url AS "nodeUrl"`,
      [holder, epoch, ttlMs],
    );
    const row = res.rows[0];
    return row === undefined ? undefined : { holder, nodeUrl: row.nodeUrl, epoch, ttlMs };
  }

  /** End `holder`'s lease of `epoch` now (a clean shutdown: the next node need not wait for the expiry). No-op if not held. */
  async release(holder: string, epoch: number): Promise<void> {
    await this.#query(
      'release the sequencer lease',
      'UPDATE sequencer_lease SET expires_at = clock_timestamp() WHERE holder = $1 AND epoch = $2 AND expires_at > clock_timestamp()',
      [holder, epoch],
    );
  }

  /** Close the lease's connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #connect(what: string): Promise<pg.PoolClient> {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the lease is closed`);
    try {
      const client = await this.#pool.connect();
      client.on('error', ignore); // met by the pending query
      return client;
    } catch (err) {
      throw toLogError(`${what} of ${this.#label}`, err, 'STORE_FAILED');
    }
  }

  async #query<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the lease is closed`);
    try {
      return await this.#pool.query<R>(text, values);
    } catch (err) {
      throw toLogError(`${what} of ${this.#label}`, err, 'STORE_FAILED');
    }
  }
}

function ignore(): void {}

function checkHolder(holder: string): void {
  if (holder === '') throw new LogError('CONFIG_INVALID', "couldn't take the sequencer lease: a node ID must not be empty");
}
