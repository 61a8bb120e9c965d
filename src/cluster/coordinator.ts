/**
 * The coordinator of a node among several on one database: the lease loop
 * and the node's role. Exactly one node sequences, the holder of the
 * sequencer lease (src/storage/postgres/lease.ts); every other node follows.
 *
 * - A follower reads the lease every `ttlMs / 5` (whom to forward to) and
 *   takes it once it has expired by the database's clock.
 * - A reclaim at start: until its first look at the lease has reached the
 *   database (and the attempt to take it that follows), a node also takes a
 *   live lease held by its own previous process — the same node URL and the
 *   same hostname part of the holder ID (isPreviousProcess in
 *   src/storage/postgres/lease.ts), a process of this host serving this
 *   address, restarted after a crash (SIGKILL, OOM) by its supervisor. It
 *   sequences at once instead of answering writes 503 for up to the TTL.
 *   The reclaim is a takeover (same FOR UPDATE lock, epoch bumped, same
 *   {@link Sequencing.lead} rebuild from the store), so a previous process
 *   still somehow alive commits nothing afterwards: its batches carry the
 *   old epoch and are refused by the database, its renewal fails and it
 *   follows. Later attempts never reclaim, and a lease held by another host
 *   or another URL is only taken once expired.
 * - On taking it, the store is fenced with the new epoch (so nothing this
 *   node commits lands once the lease is gone, whatever happens to the
 *   process) and {@link Sequencing.lead} rebuilds the node's state from the
 *   store before it sequences.
 * - The holder renews every `ttlMs / 3`. When a renewal is refused (expired,
 *   taken over), or none succeeded before the lease would expire by this
 *   process's monotonic clock, it is deposed at once: {@link Sequencing.follow}
 *   stops sequencing and fails what is pooled with a retryable error. Its
 *   batches in flight are refused by the database (the fence).
 * - Role changes run one at a time, in order: a `lead` never overlaps a
 *   `follow`.
 *
 * The holder's own view of its lease is conservative: it counts the TTL from
 * the moment it SENT the renewal, so it believes itself deposed no later than
 * the database does (both clocks advance at the same rate; their offsets do
 * not matter).
 */
import { describeError, LogError } from '../errors.js';
import { isPreviousProcess, type AcquireOptions, type LeaseGrant, type LeaseView, type SequencerFence } from '../storage/index.js';

/** The lease operations the coordinator uses (PostgresLease). */
export interface Lease {
  read(): Promise<LeaseView>;
  tryAcquire(holder: string, nodeUrl: string, ttlMs: number, options?: AcquireOptions): Promise<LeaseGrant | undefined>;
  renew(holder: string, epoch: number, ttlMs: number): Promise<LeaseGrant | undefined>;
  release(holder: string, epoch: number): Promise<void>;
}

/** What the node does when its role changes. */
export interface Sequencing {
  /**
   * This node took the lease `grant`: rebuild from the store (latest
   * checkpoint, right edge) and start sequencing. A rejection gives the lease
   * up (the node follows again).
   */
  lead(grant: LeaseGrant): Promise<void>;
  /** This node no longer holds the lease: stop sequencing at once; what is pooled fails with NOT_SEQUENCER. */
  follow(reason: string): Promise<void>;
}

export type ClusterRole = 'follower' | 'taking over' | 'sequencer';

/** The node's view of the cluster, for /healthz, /readyz and /metrics. */
export interface ClusterStatus {
  readonly nodeId: string;
  readonly nodeUrl: string;
  readonly role: ClusterRole;
  /** The holder of the lease as last read (this node while it holds it); undefined if none or unknown. */
  readonly holder: string | undefined;
  /** The holder's forwarding URL, while the lease is live. */
  readonly holderUrl: string | undefined;
  /** The lease's epoch as last seen. */
  readonly epoch: number;
  /** Times this node took the lease since start. */
  readonly takeovers: number;
  /** Whether the last lease operation reached the database. */
  readonly databaseReachable: boolean;
  /** Why it did not (the URL's password masked), while it did not. */
  readonly databaseError: string | undefined;
}

export interface CoordinatorOptions {
  readonly lease: Lease;
  /** Fences the store's commits with the lease (PostgresStore.fence). */
  readonly fence: (fence: SequencerFence | undefined) => void;
  readonly sequencing: Sequencing;
  /** This node's ID: unique among the nodes, new at every start. */
  readonly nodeId: string;
  /** Where the other nodes reach this node's internal route (advertised in the lease). */
  readonly nodeUrl: string;
  /** Lease time to live, ms (≥ 300). */
  readonly ttlMs: number;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
  /** Told of role changes and lease failures (the server logs them). */
  readonly onEvent?: (msg: string, fields: Record<string, unknown>) => void;
}

export class ClusterCoordinator {
  readonly #o: CoordinatorOptions;
  readonly #now: () => number;
  /** The lease this node holds, and until when (by #now) it may believe so. */
  #held: { grant: LeaseGrant; validUntil: number } | undefined;
  #role: ClusterRole = 'follower';
  #seen: { holder: string | undefined; url: string | undefined; epoch: number } = { holder: undefined, url: undefined, epoch: 0 };
  /** Why the last lease operation did not reach the database; undefined when it did. */
  #unreachable: string | undefined;
  #takeovers = 0;
  /** Role changes, in order. */
  #changes: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #expiry: NodeJS.Timeout | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;
  #firstTick: Promise<void> | undefined;
  /** Whether this node may still reclaim its previous process's live lease: until its first attempt to take the lease reached the database. */
  #mayReclaim = true;

  constructor(o: CoordinatorOptions) {
    if (!(o.ttlMs >= 300)) throw new LogError('CONFIG_INVALID', `the lease TTL must be at least 300 ms, not ${o.ttlMs}`);
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
  }

  /** Start the lease loop; resolves after the first look at the lease (taken if it was free). */
  start(): Promise<void> {
    if (!this.#running) {
      this.#running = true;
      this.#firstTick = this.#run();
    }
    return this.#firstTick ?? Promise.resolve();
  }

  status(): ClusterStatus {
    const held = this.#held;
    return {
      nodeId: this.#o.nodeId,
      nodeUrl: this.#o.nodeUrl,
      role: this.#role,
      holder: held !== undefined ? this.#o.nodeId : this.#seen.holder,
      holderUrl: held !== undefined ? this.#o.nodeUrl : this.#seen.url,
      epoch: held?.grant.epoch ?? this.#seen.epoch,
      takeovers: this.#takeovers,
      databaseReachable: this.#unreachable === undefined,
      databaseError: this.#unreachable,
    };
  }

  /** Whether this node sequences now (holds the lease and finished rebuilding). */
  get sequencing(): boolean {
    return this.#role === 'sequencer';
  }

  /** The sequencing node's forwarding URL as last read, unless it is this node; undefined when no node holds the lease. */
  leaderUrl(): string | undefined {
    return this.#held === undefined ? this.#seen.url : undefined;
  }

  /** Read the lease now (a forward found the leader gone): refreshes {@link leaderUrl}, takes the lease if it is free. */
  async recheck(): Promise<void> {
    if (!this.#running) return;
    await this.#tickOnce();
  }

  /**
   * Stop the loop and, if this node holds the lease, release it so another
   * node takes over at once. Call after the log stopped sequencing (its last
   * batches committed under the lease).
   */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#ticking;
    const held = this.#held;
    if (held !== undefined) {
      this.#depose('the node is shutting down');
      await this.#o.lease.release(this.#o.nodeId, held.grant.epoch).catch(() => undefined); // it expires anyway
    }
    await this.#changes;
  }

  async #run(): Promise<void> {
    await this.#tickOnce();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running) return;
    const every = this.#held !== undefined ? this.#o.ttlMs / 3 : this.#o.ttlMs / 5;
    this.#timer = setTimeout(() => {
      void this.#tickOnce().then(() => this.#schedule());
    }, every);
  }

  async #tickOnce(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    await this.#ticking;
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    try {
      if (this.#held !== undefined) await this.#renew(this.#held.grant);
      else await this.#lookAndTake();
      this.#unreachable = undefined;
    } catch (err) {
      const why = describeError(err);
      this.#unreachable = why;
      this.#event('lease: the database could not be reached', { err: why });
      const held = this.#held;
      if (held !== undefined && this.#now() >= held.validUntil) this.#depose(`the lease could not be renewed before it expired: ${why}`);
    }
  }

  async #renew(grant: LeaseGrant): Promise<void> {
    const sent = this.#now();
    const renewed = await this.#o.lease.renew(this.#o.nodeId, grant.epoch, this.#o.ttlMs);
    if (this.#held?.grant !== grant) return; // deposed meanwhile
    if (renewed === undefined) {
      this.#depose('the lease expired or was taken over');
      return;
    }
    this.#hold(grant, sent);
  }

  async #lookAndTake(): Promise<void> {
    const view = await this.#o.lease.read();
    this.#seen = { holder: view.holder, url: view.live && view.nodeUrl !== '' ? view.nodeUrl : undefined, epoch: view.epoch };
    const reclaim = this.#mayReclaim && view.live && isPreviousProcess(view.holder, view.nodeUrl, this.#o.nodeId, this.#o.nodeUrl);
    if (!reclaim) this.#mayReclaim = false;
    if ((view.live && !reclaim) || !this.#running) return;
    const sent = this.#now();
    const grant = await this.#o.lease.tryAcquire(this.#o.nodeId, this.#o.nodeUrl, this.#o.ttlMs, reclaim ? { reclaim: true } : undefined);
    this.#mayReclaim = false;
    if (grant === undefined) return; // another node was quicker
    this.#takeovers++;
    this.#o.fence({ holder: grant.holder, epoch: grant.epoch });
    this.#hold(grant, sent);
    this.#seen = { holder: grant.holder, url: grant.nodeUrl, epoch: grant.epoch };
    this.#role = 'taking over';
    if (grant.reclaimedFrom !== undefined) {
      this.#event("lease reclaimed from this node's previous process (same host, same node URL) without waiting for its expiry: its epoch is fenced off; rebuilding from the store before sequencing", {
        epoch: grant.epoch,
        previousHolder: grant.reclaimedFrom,
        leaseRemainingMs: Math.round(view.remainingMs),
      });
    } else {
      this.#event('lease taken: rebuilding from the store before sequencing', { epoch: grant.epoch, previousHolder: view.holder ?? null });
    }
    this.#change(async () => {
      if (this.#held?.grant !== grant) return; // lost before it could lead
      try {
        await this.#o.sequencing.lead(grant);
      } catch (err) {
        this.#event('lease: could not start sequencing; giving the lease up', { epoch: grant.epoch, err: describeError(err) });
        if (this.#held?.grant === grant) {
          this.#depose(`could not start sequencing: ${describeError(err)}`);
          await this.#o.lease.release(this.#o.nodeId, grant.epoch).catch(() => undefined);
        }
        return;
      }
      if (this.#held?.grant === grant) {
        this.#role = 'sequencer';
        this.#event('sequencing', { epoch: grant.epoch });
      }
    });
  }

  /** Hold `grant` until `sent + ttlMs` by this process's clock; a timer deposes the node then if no renewal came. */
  #hold(grant: LeaseGrant, sent: number): void {
    const validUntil = sent + this.#o.ttlMs;
    this.#held = { grant, validUntil };
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => {
      if (this.#held?.grant === grant && this.#now() >= validUntil) this.#depose('the lease expired before a renewal succeeded');
    }, Math.max(0, validUntil - this.#now()) + 1);
  }

  /** Stop believing this node holds the lease, at once; the fence keeps the old epoch, so in-flight commits are refused. */
  #depose(reason: string): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
    const wasRole = this.#role;
    this.#role = 'follower';
    this.#seen = { holder: undefined, url: undefined, epoch: held.grant.epoch };
    this.#event('lease lost: following', { epoch: held.grant.epoch, reason, wasRole });
    this.#change(() => this.#o.sequencing.follow(reason));
  }

  #change(step: () => Promise<void>): void {
    this.#changes = this.#changes.then(step).catch((err: unknown) => this.#event('lease: a role change failed', { err: describeError(err) }));
  }

  #event(msg: string, fields: Record<string, unknown>): void {
    this.#o.onEvent?.(msg, { nodeId: this.#o.nodeId, ...fields });
  }
}
