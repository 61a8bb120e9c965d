/**
 * `cairn serve` on PostgreSQL as one node of several on one database
 * (docs/ARCHITECTURE.md "Several nodes on one database"): the cluster secret
 * from the database, the sequencer lease loop, the forwarding client, and
 * how a follower adopts the checkpoints the sequencing node publishes: told
 * of each commit by a notification (src/storage/postgres/checkpoint-listener.ts) and
 * reading the store's latest checkpoint every {@link FOLLOW_INTERVAL_MS}
 * in case one was missed ({@link FOLLOW_POLL_MS} while it cannot listen).
 * Every node on PostgreSQL runs it; a node alone on its database
 * takes the lease at once and sequences. One lease (in the v1 log's schema)
 * decides for every log of the node (the v1 log, the Rekor v2 tree, the
 * admin audit log): each of their stores is fenced by it, and they stand by
 * and take over together.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { describeError } from '../errors.js';
import { ClusterCoordinator, ClusterNode, ClusterReloads, Forwarder, clusterSecret, type ClusterReloadsOptions, type ReloadKind } from '../cluster/index.js';
import type { ClusterHooks } from '../http/index.js';
import { CheckpointListener, openPostgresLease, type PostgresStore } from '../storage/index.js';
import type { Logger } from './logger.js';

/** What the cluster needs of the log (LogService). */
export interface ClusterLog {
  /** Stop sequencing: no batch is taken, what is pooled fails with NOT_SEQUENCER; resolves once none is in flight. */
  standBy(reason: string): Promise<void>;
  /** Rebuild from the store's latest checkpoint and right edge, then sequence. */
  takeOver(): Promise<void>;
  /** Publish the store's latest checkpoint when it is beyond this node's (a follower's reads). */
  adoptLatest(): Promise<unknown>;
}

/** A log of the node and its store. */
export interface ClusterMember {
  readonly log: ClusterLog;
  readonly store: PostgresStore;
}

export interface RunningCluster {
  readonly hooks: ClusterHooks;
  /**
   * Follow the reloads asked of any node with this node's own `run` (src/cluster/reloads.ts); resolves with what
   * tells the other nodes of a reload run here for an admin request.
   */
  followReloads(run: ClusterReloadsOptions['run']): Promise<(what: ReloadKind) => Promise<void>>;
  /** Stop the lease loop and release the lease if held: call once the log stopped sequencing (closed). */
  stop(): Promise<void>;
}

/**
 * How often a follower reads the latest checkpoint while it listens for the
 * sequencing node's notifications, ms: a safety net only (a notification lost
 * with a connection that dropped unnoticed); its reads follow each commit
 * within a notification's delivery.
 */
export const FOLLOW_INTERVAL_MS = 1_000;

/** How often a follower reads the latest checkpoint while it cannot listen, ms: its reads lag the sequencer's by about this much. */
export const FOLLOW_POLL_MS = 200;

/** Settings of {@link startCluster} that tests change. */
export interface ClusterTiming {
  /** Poll interval while listening, ms (default {@link FOLLOW_INTERVAL_MS}). */
  readonly followIntervalMs?: number;
  /** Poll interval while not listening, ms (default {@link FOLLOW_POLL_MS}). */
  readonly followPollMs?: number;
}

/**
 * Join the nodes on `databaseUrl`: `members` are the node's logs, the v1
 * log first (its database holds the lease and the cluster secret); none may
 * be sequencing yet (they stand by until this node takes the lease).
 * `listening` is the URL the server listens on, from which the default node
 * URL is made.
 */
export async function startCluster(
  config: Config,
  databaseUrl: string,
  members: readonly ClusterMember[],
  listening: URL,
  logger: Logger,
  timing: ClusterTiming = {},
): Promise<RunningCluster> {
  const first = members[0];
  if (first === undefined) throw new Error('startCluster needs the v1 log');
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const nodeUrl = config.nodeUrl ?? defaultNodeUrl(listening);
  const secret = await clusterSecret(first.store);
  const ttlMs = config.leaseTtlMs;
  // A renewal that hangs fails within a third of the TTL, while the lease is still held.
  const lease = openPostgresLease({ url: databaseUrl, queryTimeoutMs: Math.floor(ttlMs / 3), connectTimeoutMs: Math.floor(ttlMs / 3) });
  let leaseSchema: string;
  try {
    leaseSchema = await lease.schema();
  } catch (err) {
    await lease.close();
    throw err;
  }
  let standing = false;
  const adoptions = members.map((m) => new Adoption(m.log, (why) => logger.warn("couldn't follow the log's latest checkpoint; serving the last one adopted", { err: why })));
  /** The followers' adoptions under way (never alongside a take-over: both rebuild the edge). */
  const following = (): Promise<unknown> => Promise.all(adoptions.map((a) => a.settled()));
  const standBy = async (reason: string): Promise<void> => {
    await Promise.all(members.map((m) => m.log.standBy(reason)));
    standing = true;
  };
  await standBy('waiting for the sequencer lease');
  const coordinator = new ClusterCoordinator({
    lease,
    fence: (f) => {
      for (const m of members) m.store.fence(f === undefined ? undefined : { ...f, leaseSchema });
    },
    sequencing: {
      lead: async () => {
        standing = false;
        await following();
        for (const m of members) await m.log.takeOver();
      },
      follow: standBy,
    },
    nodeId,
    nodeUrl,
    ttlMs,
    onEvent: (msg, fields) => logger.info(msg, fields),
  });
  const forwarder = new Forwarder({ secret, timeoutMs: config.requestTimeoutMs > 0 ? config.requestTimeoutMs : 60_000 });
  const node = new ClusterNode(coordinator, forwarder, secret);
  // A node that holds the lease published what it hears of: only a node standing by adopts.
  const byChannel = new Map(members.flatMap((m, i) => (m.store.checkpointChannel === undefined ? [] : [[m.store.checkpointChannel, adoptions[i] as Adoption] as const])));
  const listener = new CheckpointListener({
    url: databaseUrl,
    channels: [...byChannel.keys()],
    onNotify: (channel) => {
      if (standing) byChannel.get(channel)?.request();
    },
    onChange: (change) => {
      if (change.connected) logger.info(change.again ? 'listening for new checkpoints again' : 'listening for new checkpoints', { pollMs: intervalMs() });
      else logger.warn("couldn't listen for new checkpoints; polling for them", { err: change.err, pollMs: intervalMs() });
      // Read now (what was committed while not listening was announced to no one), then at the new interval.
      if (follow !== undefined) {
        clearTimeout(follow);
        poll();
      }
    },
  });
  const intervalMs = (): number => (listener.connected ? (timing.followIntervalMs ?? FOLLOW_INTERVAL_MS) : (timing.followPollMs ?? FOLLOW_POLL_MS));
  let follow: NodeJS.Timeout | undefined;
  const poll = (): void => {
    if (standing) for (const a of adoptions) a.request();
    follow = setTimeout(poll, intervalMs());
    follow.unref();
  };
  const stopFollowing = async (): Promise<void> => {
    clearTimeout(follow);
    follow = undefined;
    await listener.stop();
    await following();
  };
  await listener.start();
  follow = setTimeout(poll, intervalMs());
  follow.unref();
  try {
    await coordinator.start();
  } catch (err) {
    await stopFollowing();
    await lease.close();
    throw err;
  }
  logger.info('joined the nodes on the database', { nodeId, nodeUrl, leaseTtlMs: ttlMs, role: coordinator.status().role, holder: coordinator.status().holder ?? null });
  let reloads: ClusterReloads | undefined;
  return {
    hooks: node,
    followReloads: async (run) => {
      const r = new ClusterReloads({ store: first.store, nodeId, run, onEvent: (level, msg, fields) => logger[level](msg, fields) });
      reloads = r;
      await r.start();
      return (what) => r.announce(what);
    },
    stop: async () => {
      await stopFollowing();
      await reloads?.stop();
      await coordinator.stop();
      forwarder.close();
      await lease.close();
    },
  };
}

/**
 * A log's adoptions of the store's latest checkpoint (ClusterLog.adoptLatest),
 * asked by the poll and by notifications: one at a time, and at most one
 * more asked while one runs (what it would read is read by that one).
 */
class Adoption {
  readonly #log: ClusterLog;
  /** Told why an adoption failed, once until one succeeds or it fails otherwise. */
  readonly #warn: (why: string) => void;
  #running: Promise<void> | undefined;
  #again = false;
  #lastFailure = '';

  constructor(log: ClusterLog, warn: (why: string) => void) {
    this.#log = log;
    this.#warn = warn;
  }

  /** Adopt the latest checkpoint now, or once the adoption under way ends. */
  request(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => (this.#running = undefined));
  }

  /** Resolves once no adoption is under way or asked (never rejects). */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#log.adoptLatest();
        this.#lastFailure = '';
      } catch (err) {
        const why = describeError(err);
        if (why !== this.#lastFailure) this.#warn(why);
        this.#lastFailure = why;
      }
    } while (this.#again);
  }
}

/** `http://<host>:<port>` of the listening server; a wildcard address is replaced by the machine's hostname. */
export function defaultNodeUrl(listening: URL): string {
  const wildcard = listening.hostname === '0.0.0.0' || listening.hostname === '[::]' || listening.hostname === '::';
  const u = new URL(listening.href);
  if (wildcard) u.hostname = hostname();
  return u.origin;
}
