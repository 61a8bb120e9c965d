/**
 * A real PostgreSQL server for a test file, from Debian's `postgresql`
 * package (/usr/lib/postgresql/<version>/bin): `initdb` in a temp dir, the
 * server on a free port of 127.0.0.1 with its unix socket in that dir, run
 * as the `postgres` user when the tests run as root, with the durability
 * settings of production (fsync, synchronous_commit and full_page_writes on).
 * Ready once it logs that it accepts connections; stopped by PID (SIGINT:
 * PostgreSQL's fast shutdown, as `pg_ctl stop -m fast`). Each test takes a
 * fresh database from {@link TestPostgres.createDatabase}.
 *
 * {@link usePostgres} registers the hooks: one server per test file, the suite
 * skipped loudly without the package unless CAIRN_REQUIRE_PG=1.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { eachLine } from './lines.js';
import { processTree } from './proc-tree.js';
import { requirePartOrSkip } from './parts.js';
import { freePort, stopChild } from './registry.js';

const INSTALL_ROOT = '/usr/lib/postgresql';
/** The test server's settings: production durability, a small memory footprint. */
const SERVER_SETTINGS = [
  'fsync = on',
  'synchronous_commit = on',
  'full_page_writes = on',
  'shared_buffers = 32MB',
  'max_connections = 60',
  'logging_collector = off',
  // After a crash, sync the data directory with one syncfs() rather than an fsync per file before recovery.
  'recovery_init_sync_method = syncfs',
];
const READY = /database system is ready to accept connections/;
const PORT_TAKEN = /could not (bind|create listen socket)|Address already in use/;

/** The newest installed server's bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(INSTALL_ROOT)) return undefined;
  const versions = readdirSync(INSTALL_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(INSTALL_ROOT, v, 'bin', 'initdb')) && existsSync(join(INSTALL_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(INSTALL_ROOT, versions[0], 'bin');
}

export interface TestPostgres {
  readonly port: number;
  /** The server's data directory (inside `dir`). */
  readonly dataDir: string;
  /** The temp dir holding the data directory, the socket and nothing else; removed by stop(). */
  readonly dir: string;
  /** PID of the running postmaster. */
  readonly pid: number;
  /** Everything the server logged, line by line. */
  readonly logs: string[];
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** A new, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Change server settings (`ALTER SYSTEM SET`, or `RESET` for undefined) and
   * reload; resolves once a new session sees every new value (a reload
   * reaches the postmaster asynchronously).
   */
  configure(settings: Readonly<Record<string, string | undefined>>): Promise<void>;
  /** Run one statement as the superuser on the `postgres` database. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Crash the server: SIGQUIT (immediate shutdown, no checkpoint: recovery replays the WAL at the next start). */
  crash(): Promise<void>;
  /**
   * Freeze the server (SIGSTOP to the postmaster and every process it
   * started): connections stay open and nothing answers, as behind a network
   * cut without a reset. thaw() (SIGCONT) lets it go on.
   */
  freeze(): void;
  thaw(): void;
  /** Start the server again on the same data and port (after crash()). */
  restart(): Promise<void>;
  /** Fast shutdown by PID and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Start a server in a fresh temp dir. Throws if the package is missing. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(`PostgreSQL is not installed under ${INSTALL_ROOT}`);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  mkdirSync(socketDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  /** argv run as the postgres user when we are root (setpriv execs: the PID is the server's own). */
  const asServerUser = (argv: string[]): [string, string[]] =>
    asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...argv]] : [argv[0] as string, argv.slice(1)];
  try {
    const [cmd, args] = asServerUser([join(bin, 'initdb'), '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // In the configuration file, not on the command line: tests change them with ALTER SYSTEM (configure()).
    appendFileSync(join(dataDir, 'postgresql.conf'), `${SERVER_SETTINGS.join('\n')}\n`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      port = port === 0 || attempt > 0 ? await freePort() : port;
      const [cmd, args] = asServerUser([
        join(bin, 'postgres'), '-D', dataDir, '-p', String(port), '-k', socketDir,
        '-c', 'listen_addresses=127.0.0.1',
      ]);
      const started = await spawnServer(cmd, args, logs);
      if (started !== 'port taken') {
        child = started;
        return;
      }
      if (attempt >= 4) throw new Error(`PostgreSQL could not bind a free port after ${attempt + 1} attempts:\n${logs.join('\n')}`);
    }
  };
  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let admin: pg.Client | undefined;
  const adminClient = async (): Promise<pg.Client> => {
    if (admin !== undefined) return admin;
    const c = new pg.Client({ connectionString: url('postgres') });
    c.on('error', () => undefined);
    await c.connect();
    admin = c;
    return c;
  };
  const closeAdmin = async (): Promise<void> => {
    const c = admin;
    admin = undefined;
    await c?.end().catch(() => undefined);
  };
  /** The postmaster and its descendants (backends, checkpointer, WAL writer, …). */
  const serverPids = (): number[] => (child?.pid === undefined ? [] : processTree(child.pid));
  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let databases = 0;
  let stopped = false;

  const server: TestPostgres = {
    get port() {
      return port;
    },
    dataDir,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    logs,
    url,
    async createDatabase() {
      const name = `cairn_test_${++databases}`;
      await (await adminClient()).query(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      return (await adminClient()).query<R>(sql, values);
    },
    async configure(settings) {
      const c = await adminClient();
      const loadTime = async (): Promise<number> => {
        const fresh = new pg.Client({ connectionString: url('postgres') });
        await fresh.connect();
        try {
          return (await fresh.query<{ t: Date }>('SELECT pg_conf_load_time() AS t')).rows[0]?.t.getTime() ?? 0;
        } finally {
          await fresh.end();
        }
      };
      const before = await loadTime();
      for (const [name, value] of Object.entries(settings)) {
        await c.query(value === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = '${value}'`);
      }
      await c.query('SELECT pg_reload_conf()');
      // A new session inherits the postmaster's configuration, and with it the time it was last loaded.
      for (let i = 0; i < 500; i++) {
        if ((await loadTime()) > before) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`the server never reloaded its configuration for ${JSON.stringify(settings)}`);
    },
    async crash() {
      await closeAdmin();
      if (child !== undefined) await stopChild(child, 'SIGQUIT', 20_000);
    },
    freeze() {
      signalEach(serverPids(), 'SIGSTOP');
    },
    thaw() {
      signalEach(serverPids().reverse(), 'SIGCONT');
    },
    async restart() {
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.thaw(); // a test that failed while the server was frozen
      await closeAdmin();
      if (child !== undefined) await stopChild(child, 'SIGINT', 20_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Register `before`/`after` hooks that start one server for the enclosing
 * suite and stop it after; returns a getter for it. Without PostgreSQL the
 * suite is skipped loudly (or fails with CAIRN_REQUIRE_PG=1).
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  before(async function () {
    this.timeout(120_000);
    requirePartOrSkip(this, 'PG', postgresBinDir() !== undefined);
    server = await startPostgres();
  });
  after(async function () {
    this.timeout(120_000); // the shutdown checkpoint syncs every database the tests made
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the PostgreSQL server is not running (before hook not run)');
    return server;
  };
}

/** Send `signal` to each PID; one that has exited meanwhile (a backend whose session ended) is skipped. */
function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Spawn the server; resolves once it accepts connections, or 'port taken' if it could not listen. */
function spawnServer(cmd: string, args: string[], logs: string[]): Promise<ChildProcess | 'port taken'> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let settled = false;
    const onLine = (line: string): void => {
      logs.push(line);
      if (settled) return;
      if (READY.test(line)) {
        settled = true;
        resolve(child);
      } else if (PORT_TAKEN.test(line)) {
        settled = true;
        child.once('exit', () => resolve('port taken'));
      }
    };
    eachLine(child.stderr, onLine);
    eachLine(child.stdout, onLine);
    child.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      reject(new Error(`PostgreSQL exited (${signal ?? code}) before accepting connections:\n${logs.slice(-20).join('\n')}`));
    });
  });
}

/** The PID of the one session of `database` matching `where` on pg_stat_activity, once there is one. */
export async function waitForSession(pgServer: TestPostgres, database: string, where: string): Promise<number> {
  return (await pollActivity(pgServer, database, where, (pids) => pids.length === 1))[0]!;
}

export async function pollActivity(pgServer: TestPostgres, database: string, where: string, done: (pids: number[]) => boolean): Promise<number[]> {
  for (let i = 0; i < 2000; i++) {
    const res = await pgServer.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND ${where}`, [database]);
    const pids = res.rows.map((r) => r.pid);
    if (done(pids)) return pids;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no sessions of ${database} where ${where}`);
}

/**
 * Run `op` on database `url` with its COMMIT cut off: a synchronous standby
 * that never connects holds the COMMIT (written locally, then waiting), and
 * the session is ended while it waits, so the connection dies during a COMMIT
 * that took effect locally. Resolves or rejects as `op` does; the server's
 * setting is restored either way.
 */
export async function withCommitCut<T>(pgServer: TestPostgres, url: string, op: () => Promise<T>): Promise<T> {
  await pgServer.configure({ synchronous_standby_names: 'cairn_absent_standby' });
  try {
    const pending = op();
    pending.catch(() => undefined); // awaited below, once its session is ended
    const pid = await waitForSession(pgServer, new URL(url).pathname.slice(1), "wait_event = 'SyncRep'");
    await pgServer.query('SELECT pg_terminate_backend($1)', [pid]);
    return await pending;
  } finally {
    await pgServer.configure({ synchronous_standby_names: undefined });
  }
}

/** The PostgreSQL store at `url` opened as a server opens it, for `use`, then closed; resolves as `use` does. */
export async function withPostgresStore<T>(url: string, use: (store: PostgresStore) => Promise<T>): Promise<T> {
  const store = await openPostgresStore({ url });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
