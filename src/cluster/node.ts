/**
 * A node among several on one database, as the API sees it (the ClusterHooks
 * of src/http/cluster.ts): its coordinator decides whether it sequences; if
 * not, an admitted entry is forwarded to the node that does, and its answer
 * passed on; so is an admin operation on the log itself (relay.ts).
 *
 * Forwarding never loses an entry silently: the client gets the sequencing
 * node's own 201/409, or a retryable 503 NOT_SEQUENCER. An entry is sent
 * again to another node only when the first certainly did not take it (the
 * connection was refused, or it answered NOT_SEQUENCER before sequencing
 * anything: the reply's code, for the Rekor v1 log and the v2 tree alike),
 * after the lease was read again; at most {@link MAX_ATTEMPTS} times.
 */
import { LogError } from '../errors.js';
import type { PreparedEntry } from '../entry/index.js';
import type { ClusterHooks, ClusterView, ForwardedApi, RelayedAdmin, Reply } from '../http/index.js';
import type { ClusterCoordinator } from './coordinator.js';
import type { Forwarder } from './forward.js';
import { relayAdmin } from './relay.js';
import { checkClusterMac } from './secret.js';

/** Sends of one entry, the first included. */
const MAX_ATTEMPTS = 3;

export class ClusterNode implements ClusterHooks {
  readonly #coordinator: ClusterCoordinator;
  readonly #forwarder: Forwarder;
  readonly #secret: Uint8Array;
  /** Entries forwarded, and sends that failed (for logs and tests). */
  forwarded = 0;
  failedSends = 0;

  constructor(coordinator: ClusterCoordinator, forwarder: Forwarder, secret: Uint8Array) {
    this.#coordinator = coordinator;
    this.#forwarder = forwarder;
    this.#secret = secret;
  }

  forward(prepared: PreparedEntry, api: ForwardedApi = 'v1'): Promise<Reply> | undefined {
    if (this.#coordinator.sequencing) return undefined;
    return this.#send(prepared, api);
  }

  relayAdmin(request: RelayedAdmin): Promise<Reply> {
    return relayAdmin(this.#coordinator, this.#forwarder, request);
  }

  authenticates(body: Uint8Array, mac: string | undefined): boolean {
    return checkClusterMac(this.#secret, body, mac);
  }

  sequencing(): boolean {
    return this.#coordinator.sequencing;
  }

  status(): ClusterView {
    return { ...this.#coordinator.status(), forwarding: this.#forwarder.stats() };
  }

  async #send(prepared: PreparedEntry, api: ForwardedApi): Promise<Reply> {
    let last: LogError | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await this.#coordinator.recheck();
      const url = this.#coordinator.leaderUrl();
      if (url === undefined) {
        if (this.#coordinator.sequencing) throw notSequencer('this node took the sequencer lease while forwarding; retry');
        last = notSequencer('no node holds the sequencer lease now (a takeover is in progress); retry');
        continue;
      }
      this.forwarded++;
      try {
        const reply = await this.#forwarder.send(url, prepared, api);
        if (reply.status === 503 && reply.code === 'NOT_SEQUENCER' && attempt < MAX_ATTEMPTS) {
          last = notSequencer(`the node at ${url} no longer sequences; retry`);
          continue;
        }
        return reply;
      } catch (err) {
        this.failedSends++;
        if (!(err instanceof LogError) || err.details?.['sent'] !== false) throw err;
        last = err;
      }
    }
    throw last ?? notSequencer('no node sequences now; retry');
  }
}

function notSequencer(message: string): LogError {
  return new LogError('NOT_SEQUENCER', `couldn't sequence the entry: ${message}`);
}
