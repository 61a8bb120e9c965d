/**
 * Reloads asked of one node, run by every node on the database: an admin
 * reload (`tokens/reload`, `witnesses/reload`) runs on the node asked, which
 * then bumps that operation's generation in the database
 * (PostgresStore.requestReload); every node reads the generations every
 * {@link RELOAD_POLL_MS} and runs the same reload, of its own files and
 * settings, when one moved on since it last looked (and it did not ask for
 * it itself). A node starting reads the generations as they are: what was
 * asked before it started is already in the files it read.
 *
 * A reload a node refuses (its file is malformed, say) leaves what that node
 * has in force, and is logged; it is not tried again until the next
 * request. A signal (SIGHUP) stays the node's own.
 */
import { describeError } from '../errors.js';

/** How often each node reads the reloads asked, ms: the other nodes follow a reload within about this. */
export const RELOAD_POLL_MS = 1_000;

export type ReloadKind = 'tokens' | 'witnesses';

/** Where the reloads asked are kept (PostgresStore). */
export interface ReloadRequests {
  requestReload(what: ReloadKind, nodeId: string): Promise<number>;
  reloads(): Promise<Map<string, { readonly generation: number; readonly requestedBy: string }>>;
}

export interface ClusterReloadsOptions {
  readonly store: ReloadRequests;
  readonly nodeId: string;
  /** The node's own reloads (what the admin routes run); absent: the node has nothing of that kind to reload. */
  readonly run: Partial<Record<ReloadKind, () => Promise<unknown>>>;
  /** Told of reloads run for another node, and of failures (the server logs them). */
  readonly onEvent: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
  readonly pollMs?: number;
}

export class ClusterReloads {
  readonly #o: ClusterReloadsOptions;
  /** The generation of each kind this node has run (or found at start). */
  readonly #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #lastFailure = '';
  #started = false;

  constructor(o: ClusterReloadsOptions) {
    this.#o = o;
  }

  /** Read the generations as they are now (none is run), then follow them. A database that cannot be read now is read at the next poll. */
  async start(): Promise<void> {
    await this.#poll();
    this.#timer = setInterval(() => void this.#poll(), this.#o.pollMs ?? RELOAD_POLL_MS);
    this.#timer.unref();
  }

  /**
   * This node ran reload `what` for an admin request: ask every other node
   * for it. Rejects with the database's error when it cannot be reached (the
   * other nodes then keep what they have).
   */
  async announce(what: ReloadKind): Promise<void> {
    const generation = await this.#o.store.requestReload(what, this.#o.nodeId);
    this.#seen.set(what, Math.max(generation, this.#seen.get(what) ?? 0));
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#polling;
  }

  #poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    let asked: Awaited<ReturnType<ReloadRequests['reloads']>>;
    try {
      asked = await this.#o.store.reloads();
      this.#lastFailure = '';
    } catch (err) {
      const why = describeError(err);
      if (why !== this.#lastFailure) this.#o.onEvent('warn', "couldn't read the reloads asked of the nodes; trying again", { err: why });
      this.#lastFailure = why;
      return;
    }
    const first = !this.#started;
    this.#started = true;
    for (const [what, { generation, requestedBy }] of asked) {
      const seen = this.#seen.get(what);
      this.#seen.set(what, Math.max(generation, seen ?? 0));
      if (first || (seen !== undefined && generation <= seen)) continue;
      const run = this.#o.run[what as ReloadKind];
      if (run === undefined) continue;
      try {
        await run();
        this.#o.onEvent('info', `${what} reloaded: asked of node ${requestedBy}`, { what, generation, requestedBy });
      } catch (err) {
        this.#o.onEvent('warn', `couldn't reload ${what} as node ${requestedBy} asked; what is in force stays in force`, { what, generation, requestedBy, err: describeError(err) });
      }
    }
  }
}
