/**
 * The sequencer lease of several Cairn nodes on one PostgreSQL database: one
 * row (migrations/postgres/0002_sequencer_lease.sql) naming the node that
 * sequences, its forwarding URL, an epoch and an expiry, all judged by the
 * database's clock (clock_timestamp()), never a node's.
 *
 * Contract:
 * - At most one node holds the lease at any instant of the database's clock:
 *   the row names one holder and one epoch. {@link PostgresLease.tryAcquire}
 *   succeeds only on an expired lease, and bumps the epoch — with one
 *   exception, a reclaim (`tryAcquire(…, { reclaim: true })`): a live lease
 *   whose node URL is the caller's and whose holder's hostname part is the
 *   caller's ({@link isPreviousProcess}) is taken at once. Such a holder is
 *   the caller's previous process (a process on the same host serving the
 *   same address, since restarted after a crash), which would otherwise keep
 *   the restarted node waiting out the TTL. A reclaim is a takeover in every
 *   other respect: under the same FOR UPDATE lock, bumping the epoch. The
 *   previous holder's lease so ends before its expiry while its process, if
 *   it somehow still runs, may believe it holds it until then. The log
 *   still cannot fork: belief commits nothing, only a batch whose
 *   compare-and-swap names the live (holder, epoch) does (the fencing
 *   below), so from the reclaim on the old epoch commits nothing, its
 *   renewal fails and it is deposed; a batch of its in flight either
 *   committed before the reclaim took the row lock (and the new holder
 *   rebuilds from the store after it) or is refused. This holds whatever
 *   the holder really is: were it not a dead process but a live one sharing
 *   the host and URL (a misconfiguration), the reclaim would only depose it,
 *   as a takeover does. A lease held by another host or another URL is
 *   never taken before it expires.
 * - A holder keeps it by {@link PostgresLease.renew} before it expires; a
 *   renewal of a lease that expired or was taken over (or reclaimed) fails (undefined), and
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
  /** The previous process's holder ID, when this grant reclaimed its live lease; undefined for a lease taken once expired, and for a renewal. */
  readonly reclaimedFrom?: string;
}

/** How {@link PostgresLease.tryAcquire} may take the lease. */
export interface AcquireOptions {
  /**
   * Also take a live lease held by the caller's previous process
   * ({@link isPreviousProcess}: same node URL, same hostname part of the
   * holder ID). A node asks this only of its first attempts after start.
   */
  readonly reclaim?: boolean;
}

/**
 * The hostname part of a node ID `<hostname>-<pid>-<random>` (what precedes
 * its last two dash-separated parts; a hostname may itself hold dashes), or
 * undefined when the ID has fewer than three parts.
 */
export function nodeHost(nodeId: string): string | undefined {
  const parts = nodeId.split('-');
  if (parts.length < 3) return undefined;
  const host = parts.slice(0, -2).join('-');
  return host === '' ? undefined : host;
}

/**
 * Whether the lease holder `holder`, advertising `holderUrl`, is a previous
 * process of the node `nodeId` at `nodeUrl`: another ID (not the node
 * itself), the same node URL and the same hostname part ({@link nodeHost}).
 */
export function isPreviousProcess(holder: string | undefined, holderUrl: string, nodeId: string, nodeUrl: string): boolean {
  if (holder === undefined || holder === nodeId || holderUrl === '' || holderUrl !== nodeUrl) return false;
  const host = nodeHost(nodeId);
  return host !== undefined && nodeHost(holder) === host;
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
   * has expired — or, with `reclaim`, if it is held by `holder`'s previous
   * process ({@link isPreviousProcess}); undefined if another node holds it
   * (or `holder` itself: renew that). Waits for a fenced commit in progress
   * to end (its KEY SHARE lock), then judges, under the row's FOR UPDATE
   * lock, expiry and the previous holder. The new epoch is one more than
   * the last, so the previous holder's batches are fenced off.
   */
  async tryAcquire(holder: string, nodeUrl: string, ttlMs: number, options: AcquireOptions = {}): Promise<LeaseGrant | undefined> {
    checkHolder(holder);
    const client = await this.#connect('take the sequencer lease');
    let failed = false;
    try {
      await client.query('BEGIN');
      // The row is locked until COMMIT: what is judged here cannot change before the UPDATE.
      const locked = await client.query<{ holder: string; nodeUrl: string; live: boolean }>(
        'SELECT holder, node_url AS "nodeUrl", expires_at > clock_timestamp() AS live FROM sequencer_lease FOR UPDATE',
      );
      const row = locked.rows[0];
      const reclaimed = row !== undefined && row.live && options.reclaim === true && isPreviousProcess(row.holder, row.nodeUrl, holder, nodeUrl);
      if (row === undefined || (row.live && !reclaimed)) {
        await client.query('COMMIT');
        return undefined;
      }
      const res = await client.query<{ epoch: number }>(
        `UPDATE sequencer_lease SET holder = $1, node_url = $2, epoch = epoch + 1,
           acquired_at = clock_timestamp(), expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         RETURNING epoch`,
        [holder, nodeUrl, ttlMs],
      );
      await client.query('COMMIT');
      const epoch = res.rows[0]?.epoch;
      if (epoch === undefined) return undefined;
      return reclaimed ? { holder, nodeUrl, epoch, ttlMs, reclaimedFrom: row.holder } : { holder, nodeUrl, epoch, ttlMs };
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
