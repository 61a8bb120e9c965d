/**
 * Several real `cairn serve` processes on one PostgreSQL database: the same
 * log key (an Ed25519 PKCS#8 file made here) and `--public-url`, a data dir
 * each. Nodes can be SIGKILLed and started again at any moment
 * (crash/process.ts); {@link TestCluster.sequencer} asks the nodes'
 * /healthz which one sequences.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe, type Child } from './crash/process.js';
import { httpRequest } from './http-client.js';

export interface ClusterOptions {
  readonly databaseUrl: string;
  readonly nodes: number;
  /** --lease-ttl-ms of every node. */
  readonly leaseTtlMs: number;
  /** Extra `cairn serve` flags of every node. */
  readonly serverArgs?: readonly string[];
}

export interface NodeHealth {
  readonly role: string;
  readonly nodeId: string;
  readonly epoch: number;
  readonly holder: string | null;
}

export class TestCluster {
  readonly dir: string;
  readonly #o: ClusterOptions;
  readonly #keyFile: string;
  /** The node processes by index; undefined while a node is down. */
  readonly procs: Array<Child | undefined>;
  readonly urls: Array<string | undefined>;

  private constructor(o: ClusterOptions) {
    this.#o = o;
    this.dir = mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
    this.#keyFile = join(this.dir, 'log-key.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(this.#keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    this.procs = new Array(o.nodes).fill(undefined);
    this.urls = new Array(o.nodes).fill(undefined);
  }

  /**
   * Start node 0, then every other node at once, and wait until each serves.
   * (Node 0 creates the log's trees in a new database: nodes starting at the
   * same moment on an empty database race to name the Rekor v2 tree.)
   */
  static async start(o: ClusterOptions): Promise<TestCluster> {
    const c = new TestCluster(o);
    try {
      await c.startNode(0);
      await Promise.all(Array.from({ length: o.nodes - 1 }, (_, i) => c.startNode(i + 1)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** `cairn serve` flags of node `i`. */
  args(i: number): string[] {
    return [
      '--data-dir', join(this.dir, `node${i}`), '--key-file', this.#keyFile, '--public-url', 'http://cluster.test',
      '--database-url', this.#o.databaseUrl, '--lease-ttl-ms', String(this.#o.leaseTtlMs), ...(this.#o.serverArgs ?? []),
    ];
  }

  /** Start node `i` (down); resolves with its URL once it serves. */
  async startNode(i: number): Promise<string> {
    const child = spawnServe(this.args(i));
    this.procs[i] = child;
    const url = await child.serving;
    this.urls[i] = url;
    return url;
  }

  /** SIGKILL node `i` and wait for its exit. */
  async kill(i: number): Promise<void> {
    const child = this.procs[i];
    this.procs[i] = undefined;
    this.urls[i] = undefined;
    await child?.kill();
  }

  /** The URLs of the nodes that are up. */
  liveUrls(): string[] {
    return this.urls.filter((u): u is string => u !== undefined);
  }

  /** The cluster part of node `i`'s /healthz, or undefined when it does not answer. */
  async health(i: number): Promise<NodeHealth | undefined> {
    const url = this.urls[i];
    if (url === undefined) return undefined;
    try {
      const r = await httpRequest(url, 'GET', '/healthz', { timeoutMs: 2_000 });
      return (JSON.parse(r.body.toString('utf8')) as { cluster?: NodeHealth }).cluster;
    } catch {
      return undefined;
    }
  }

  /** The index of the node that sequences, once one does (polled every `everyMs`), or undefined after `timeoutMs`. */
  async sequencer(timeoutMs = 60_000, everyMs = 25): Promise<number | undefined> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      const roles = await Promise.all(this.procs.map((_, i) => this.health(i)));
      const at = roles.findIndex((h) => h?.role === 'sequencer');
      if (at >= 0) return at;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return undefined;
  }

  /** SIGKILL every node and remove the temp dir. */
  async stop(): Promise<void> {
    await Promise.all(this.procs.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
