/**
 * A follower's ear on the database: one dedicated connection that LISTENs
 * on the checkpoint channels of the node's logs (src/storage/postgres/notify.ts)
 * and tells the node, for each notification, which log committed a batch
 * and at what size. The committing node sends the notification inside the
 * batch's transaction, so PostgreSQL delivers it only once that batch has
 * committed, and never for one rolled back
 * (https://www.postgresql.org/docs/current/sql-notify.html); a listener
 * therefore never hears of a checkpoint it cannot read.
 *
 * A notification is a hint, not a record: one sent while the connection is
 * down is lost for good (LISTEN covers only what is sent while listening),
 * and two batches may reach the listener in either order of arrival with
 * respect to the follower's own reads. The node keeps polling the store
 * (src/cli/cluster.ts), more often while {@link CheckpointListener.connected}
 * is false.
 *
 * The connection is opened at {@link CheckpointListener.start} and again
 * after it drops (a server restart, pg_terminate_backend, a network reset),
 * the pause doubling from {@link FIRST_RETRY_MS} to {@link MAX_RETRY_MS}.
 * {@link CheckpointListenerOptions.onChange} is told when it connects and
 * when it drops, once per change (not for each failed retry).
 * {@link CheckpointListener.stop} ends it and leaves no timer.
 */
import pg from 'pg';
import { describeError } from '../../errors.js';

/** First pause before opening the connection again, ms; it doubles up to {@link MAX_RETRY_MS}. */
export const FIRST_RETRY_MS = 250;
export const MAX_RETRY_MS = 5_000;

/** The `application_name` of the listening connection (pg_stat_activity). */
export const LISTENER_APPLICATION_NAME = 'cairn-listen';

export interface CheckpointListenerOptions {
  /** The database the logs are in (libpq URL). */
  readonly url: string;
  /** The channels to LISTEN on (PostgresStore.checkpointChannel of each log). */
  readonly channels: readonly string[];
  /** A batch committed on `channel`'s log; `payload`: what it sent (the checkpoint's size). */
  readonly onNotify: (channel: string, payload: string | undefined) => void;
  /** The connection is up and listening (`again`: after a drop), or dropped or could not be opened (`err`: why). */
  readonly onChange: (change: ListenerChange) => void;
  /** How long one attempt to connect and LISTEN may take, ms (default 5000). */
  readonly connectTimeoutMs?: number;
}

export type ListenerChange = { readonly connected: true; readonly again: boolean } | { readonly connected: false; readonly err: string };

export class CheckpointListener {
  readonly #o: CheckpointListenerOptions;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = FIRST_RETRY_MS;
  #connected = false;
  /** Whether the connection has ever been up (a later connect is a reconnect). */
  #everConnected = false;
  /** The last change told (onChange): told again only when it changes. */
  #told: 'up' | 'down' | undefined;
  #stopped = false;
  /** The attempt under way, awaited by stop(), and its connection (ended by stop()). */
  #attempt: Promise<void> | undefined;
  #connecting: pg.Client | undefined;

  constructor(o: CheckpointListenerOptions) {
    this.#o = o;
  }

  /** Whether the connection is up and listening now. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Connect and LISTEN; resolves once the first attempt is over, listening
   * or not (a failed attempt is retried in the background; the poll covers
   * the gap).
   */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Stop listening: no more callbacks, no timer left, the connection ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#connecting?.end().catch(() => undefined);
    await this.#attempt;
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    this.#attempt ??= this.#connectOnce().finally(() => (this.#attempt = undefined));
    return this.#attempt;
  }

  async #connectOnce(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.#o.url,
      connectionTimeoutMillis: this.#o.connectTimeoutMs ?? 5_000,
      query_timeout: this.#o.connectTimeoutMs ?? 5_000,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
    });
    let lost = false;
    const drop = (err: unknown): void => {
      if (lost) return;
      lost = true;
      void client.end().catch(() => undefined);
      if (this.#client === client) this.#dropped(err);
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('the connection ended')));
    client.on('notification', (n) => {
      if (!this.#stopped && this.#client === client) this.#o.onNotify(n.channel, n.payload);
    });
    this.#connecting = client;
    try {
      await client.connect();
      for (const channel of this.#o.channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      lost = true;
      await client.end().catch(() => undefined);
      this.#dropped(err);
      return;
    } finally {
      this.#connecting = undefined;
    }
    if (this.#stopped || lost) {
      await client.end().catch(() => undefined);
      this.#dropped(new Error('the connection ended while listening'));
      return;
    }
    this.#client = client;
    this.#connected = true;
    this.#retryMs = FIRST_RETRY_MS;
    if (this.#told !== 'up') this.#o.onChange({ connected: true, again: this.#everConnected });
    this.#told = 'up';
    this.#everConnected = true;
  }

  /** The connection dropped or could not be opened: tell it once, and try again later. */
  #dropped(err: unknown): void {
    this.#client = undefined;
    this.#connected = false;
    if (this.#stopped) return;
    if (this.#told !== 'down') this.#o.onChange({ connected: false, err: describeError(err) });
    this.#told = 'down';
    this.#retry();
  }

  #retry(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, wait);
    this.#timer.unref();
  }
}
