/**
 * How a follower learns of new checkpoints (src/cli/cluster.ts with
 * src/storage/postgres/checkpoint-listener.ts): two nodes in this process, each its
 * own log and store on one real PostgreSQL database, joined by startCluster.
 * The polls are set long (a minute while listening), so what reaches the
 * follower at once was the committing node's notification:
 *
 * - a commit on the sequencing node is adopted by the follower within a
 *   fraction of a second;
 * - with the listening connections killed (pg_terminate_backend) and the
 *   database refusing new ones, a commit is adopted by the follower's short
 *   poll; once connections are let in, the listener is back and the next
 *   commit again arrives by notification; connecting, dropping and coming
 *   back are each logged once;
 * - stopping the nodes closes the listening connections.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startCluster, type RunningCluster } from '../../src/cli/cluster.js';
import type { Logger } from '../../src/cli/logger.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { LogService } from '../../src/log/index.js';
import { LISTENER_APPLICATION_NAME, openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { usePostgres, type TestPostgres } from '../support/postgres.js';
import { FAST_OPTIONS, rawEntry, testIdentity } from '../support/test-log.js';

/** The poll while listening: long enough that anything the follower adopts sooner came by notification. */
const LISTENING_POLL_MS = 60_000;
/** The poll while not listening. */
const FALLBACK_POLL_MS = 100;
/** What "at once" means here: far below the default 1 s poll, with room for a loaded machine. */
const PROMPT_MS = 500;

interface Node {
  readonly log: LogService;
  readonly store: PostgresStore;
  readonly cluster: RunningCluster;
  readonly lines: Array<{ level: string; msg: string }>;
}

/** A logger keeping every line. */
function recordingLogger(lines: Array<{ level: string; msg: string }>): Logger {
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled: () => true };
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - t0;
}

/** Listening sessions on the database `db` (pg_stat_activity). */
async function listeners(pg: TestPostgres, db: string): Promise<number> {
  const r = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2', [LISTENER_APPLICATION_NAME, db]);
  return r.rows[0]?.n ?? 0;
}

describe('startCluster: followers told of new checkpoints', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function node(url: string, port: number): Promise<Node> {
    const store = await openPostgresStore({ url });
    const log = await LogService.open(store, testIdentity(), new ManualClock(), { ...FAST_OPTIONS, batchMaxAgeMs: 0 });
    const lines: Array<{ level: string; msg: string }> = [];
    const config = loadConfig({ env: {}, overrides: { databaseUrl: url, leaseTtlMs: 3_000 } });
    const cluster = await startCluster(config, url, [{ log, store }], new URL(`http://127.0.0.1:${port}`), recordingLogger(lines), {
      followIntervalMs: LISTENING_POLL_MS,
      followPollMs: FALLBACK_POLL_MS,
    });
    cleanups.push(async () => {
      await log.close();
      await cluster.stop();
      await store.close();
    });
    return { log, store, cluster, lines };
  }

  /** Submit one entry to the sequencing node `a` (retried while it has not yet taken the lease); its new size. */
  async function commitOne(a: Node, text: string): Promise<number> {
    await waitFor('a sequences', async () => a.log.submit(rawEntry(text)).then(() => true, () => false));
    return a.log.status().size;
  }

  it('adopts a commit on the sequencing node at once, by its notification', async () => {
    const url = await pg().createDatabase();
    const a = await node(url, 1);
    await commitOne(a, 'first');
    const b = await node(url, 2);
    await waitFor('b adopts what is there', () => b.log.status().size === 1);
    const took: number[] = [];
    for (let i = 0; i < 5; i++) {
      const size = await commitOne(a, `entry ${i}`);
      took.push(await waitFor(`b adopts size ${size}`, () => b.log.status().size === size));
    }
    assert.ok(Math.max(...took) < PROMPT_MS, `adopted after ${took.map((t) => t.toFixed(1)).join(', ')} ms`);
    assert.deepEqual(b.lines.filter((l) => /listen/.test(l.msg)), [{ level: 'info', msg: 'listening for new checkpoints' }]);
  });

  it('catches up by its poll while the listening connection is down, and listens again once it can', async () => {
    const url = await pg().createDatabase();
    const db = new URL(url).pathname.slice(1);
    const a = await node(url, 1);
    await commitOne(a, 'first');
    const b = await node(url, 2);
    await waitFor('b adopts what is there', () => b.log.status().size === 1);
    assert.equal(await listeners(pg(), db), 2, 'one listening connection per node');

    await pg().query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    try {
      await pg().query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2', [LISTENER_APPLICATION_NAME, db]);
      await waitFor('b hears the drop', () => b.lines.some((l) => l.level === 'warn' && /couldn't listen/.test(l.msg)));
      const size = await commitOne(a, 'while b cannot listen');
      const took = await waitFor(`b adopts size ${size} by its poll`, () => b.log.status().size === size, 5_000);
      assert.ok(took < 1_000, `adopted after ${took.toFixed(1)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a few failed reconnects: logged once
    } finally {
      await pg().query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    }
    await waitFor('b listens again', () => b.lines.some((l) => /listening for new checkpoints again/.test(l.msg)), 15_000);
    const size = await commitOne(a, 'once b listens again');
    const took = await waitFor(`b adopts size ${size}`, () => b.log.status().size === size);
    assert.ok(took < PROMPT_MS, `adopted after ${took.toFixed(1)} ms (the poll is a minute away)`);
    assert.deepEqual(
      b.lines.filter((l) => /listen/.test(l.msg)).map((l) => l.msg),
      ['listening for new checkpoints', "couldn't listen for new checkpoints; polling for them", 'listening for new checkpoints again'],
    );

    for (const c of cleanups.splice(0).reverse()) await c();
    assert.equal(await listeners(pg(), db), 0, 'stopped nodes leave no listening connection');
  });
});
