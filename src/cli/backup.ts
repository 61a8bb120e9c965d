/**
 * Copies of a log and their proof. A data dir holds up to three logs, each
 * its own SQLite database: the Rekor v1 log (`cairn.db`), the Rekor v2 tree
 * (`rekor-v2.db`) and the admin log (`admin-log.db`). A backup to FILE copies
 * `cairn.db` to FILE and each other one present to `FILE.<name>` (each in
 * its own read transaction: they are separate logs with their own
 * checkpoints); restore and check take all of them.
 *
 *   cairn backup --data-dir D --to FILE    a consistent copy of D's database, taken
 *                                          while `cairn serve` runs on D (it only reads)
 *   cairn restore --from FILE --data-dir D the copy into D, which must be empty or absent,
 *                                          then proved as `check` does (removed if it fails)
 *   cairn check [--data-dir D | --file FILE] [--json]
 *                                          the tree rehashed whole, its root the latest
 *                                          checkpoint's, signed by the keys the log pinned
 *
 * The keys are not in the database: back up the key files (or keep the
 * token) separately, and put them in D before `cairn serve` after a restore.
 *
 * Exit status (the table in exit-codes.ts): 0 done and proved; 1 the copy
 * does not prove out (damaged, a root or signature that does not match),
 * the message says what; 2 bad usage or configuration (a target that is not
 * empty, a backup file that exists, not a Cairn database); 4 no log in D.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { proveStoredLog, type CopyProof } from '../log/index.js';
import { backupDatabase, openReadOnlyStore, toAsyncStore } from '../storage/index.js';
import { ADMIN_LOG_FILE } from './admin-log.js';
import { lockDataDir } from './data-dir-lock.js';
import { EXIT, ExitError, UsageError, exitStatusOf } from './exit-codes.js';
import { readKeyFile } from './keyfile.js';
import { v2DatabasePath } from './open-v2-log.js';

export const DATABASE_FILE = 'cairn.db';

/** The log databases of a data dir, the Rekor v1 log's first. */
const LOG_DATABASES: readonly string[] = [DATABASE_FILE, basename(v2DatabasePath('.')), ADMIN_LOG_FILE];

/** Where a backup to `file` keeps database `name`: the v1 log at `file` itself, the others beside it. */
const copyOf = (file: string, name: string): string => (name === DATABASE_FILE ? file : `${file}.${name}`);

/** The log databases present in `dataDir`, as [name, path]. */
function databasesIn(dataDir: string): [string, string][] {
  return LOG_DATABASES.map((n): [string, string] => [n, join(dataDir, n)]).filter(([, p]) => existsSync(p));
}

/** The databases of a backup to `file` that exist, as [name, path] (`file` itself first). */
function databasesOfBackup(file: string): [string, string][] {
  return LOG_DATABASES.map((n): [string, string] => [n, copyOf(file, n)]).filter(([, p]) => existsSync(p));
}

type Out = (text: string) => void;

const COMMON = {
  'data-dir': { type: 'string' },
  'key-file': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The data dir and log key file per the log's settings (flags, environment, --config file). */
function logSettings(values: { 'data-dir'?: string; 'key-file'?: string; config?: string }): { dataDir: string; keyFile: string } {
  const argv = [
    ...(values['data-dir'] === undefined ? [] : ['--data-dir', values['data-dir']]),
    ...(values['key-file'] === undefined ? [] : ['--key-file', values['key-file']]),
    ...(values.config === undefined ? [] : ['--config', values.config]),
  ];
  const config = loadConfig({ argv, env: process.env });
  return { dataDir: config.dataDir, keyFile: config.keyFile };
}

/** The log key's public half, when its key file is there to read (a pkcs11: key is not read here). */
function logPublicKey(keyFile: string): KeyObject | undefined {
  if (/^pkcs11:/i.test(keyFile) || !existsSync(keyFile)) return undefined;
  return createPublicKey(readKeyFile(keyFile));
}

function requireDatabase(dataDir: string): string {
  const db = join(dataDir, DATABASE_FILE);
  if (!existsSync(db)) {
    throw new ExitError(EXIT.NO_LOG, `no log in ${dataDir} (${db} does not exist); check --data-dir / CAIRN_DATA_DIR`);
  }
  return db;
}

/** Runs `body`, printing a failure as `cairn <command>: message` (or JSON) and returning its exit status. */
async function run(command: string, json: boolean, out: Out, err: Out, body: () => number | Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const status = exitStatusOf(e);
    if (json) out(`${JSON.stringify({ ok: false, error: { code: (e as { code?: string }).code ?? 'FAILED', message: describeError(e) } })}\n`);
    err(`cairn ${command}: ${describeError(e)}\n`);
    return status;
  }
}

function parse(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(describeError(e));
  }
}

export async function backupMain(argv: readonly string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const json = argv.includes('--json');
  return run('backup', json, out, err, () => {
    const values = parse(argv, { ...COMMON, to: { type: 'string' } });
    const to = values['to'];
    if (typeof to !== 'string' || to === '') throw new UsageError('--to FILE is required: where to write the copy');
    const { dataDir } = logSettings(values);
    requireDatabase(dataDir);
    const dbs = databasesIn(dataDir);
    for (const [name] of dbs) {
      const target = copyOf(to, name);
      if (existsSync(target)) throw new LogError('CONFIG_INVALID', `couldn't back up to ${resolve(target)}: the file exists (a backup never overwrites one)`);
    }
    const copies = dbs.map(([name, path]) => {
      const t0 = performance.now();
      const result = backupDatabase(path, copyOf(to, name));
      const store = openReadOnlyStore(result.path);
      let latest;
      try {
        latest = store.latestCheckpoint();
      } finally {
        store.close();
      }
      return {
        database: resolve(path),
        backup: result.path,
        bytes: result.bytes,
        ms: Math.round(performance.now() - t0),
        treeSize: latest?.size ?? 0,
        root: latest === undefined ? undefined : Buffer.from(latest.root).toString('hex'),
      };
    });
    const [main, ...others] = copies;
    out(json
      ? `${JSON.stringify({ ok: true, ...main, others })}\n`
      : `${copies.map((c) => `backed up ${c.database} to ${c.backup}: ${c.bytes} bytes, tree size ${c.treeSize}, root ${c.root ?? '-'} (${c.ms} ms)`).join('\n')}\nprove it: cairn check --file ${resolve(to)}\n`);
    return EXIT.OK;
  });
}

export async function checkMain(argv: readonly string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const json = argv.includes('--json');
  return run('check', json, out, err, async () => {
    const values = parse(argv, { ...COMMON, file: { type: 'string' } });
    const { dataDir, keyFile } = logSettings(values);
    const file = values['file'];
    if (typeof file === 'string' && !existsSync(file)) throw new ExitError(EXIT.NO_LOG, `no log at ${file}: the file does not exist`);
    if (typeof file !== 'string') requireDatabase(dataDir);
    const dbs = typeof file === 'string' ? databasesOfBackup(file) : databasesIn(dataDir);
    const key = logPublicKey(keyFile);
    const proofs: (CopyProof & { database: string })[] = [];
    for (const [, path] of dbs) proofs.push({ database: resolve(path), ...(await proveFile(path, key)) });
    const [main, ...others] = proofs;
    out(json ? `${JSON.stringify({ ok: true, ...main, others })}\n` : proofs.map((p) => describeProof(p.database, p)).join(''));
    return EXIT.OK;
  });
}

export async function restoreMain(argv: readonly string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const json = argv.includes('--json');
  return run('restore', json, out, err, async () => {
    const values = parse(argv, { ...COMMON, from: { type: 'string' } });
    const from = values['from'];
    if (typeof from !== 'string' || from === '') throw new UsageError('--from FILE is required: the backup to restore');
    if (!existsSync(from)) throw new LogError('CONFIG_INVALID', `--from ${from}: the file does not exist`);
    const { dataDir, keyFile } = logSettings(values);
    refuseNonEmpty(dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = lockDataDir(dataDir); // no server may start on it meanwhile
    const restored: string[] = [];
    try {
      for (const [name, path] of databasesOfBackup(from)) {
        const target = join(dataDir, name);
        const tmp = join(dataDir, `.${name}.restore.tmp`);
        copyFileSync(path, tmp);
        fsyncFile(tmp);
        renameSync(tmp, target);
        restored.push(target);
      }
      fsyncFile(dataDir);
      const proofs: (CopyProof & { database: string })[] = [];
      try {
        const key = logPublicKey(keyFile);
        for (const path of restored) proofs.push({ database: resolve(path), ...(await proveFile(path, key)) });
      } catch (e) {
        for (const path of restored) for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
        throw e;
      }
      const [main, ...others] = proofs;
      out(json
        ? `${JSON.stringify({ ok: true, restoredFrom: resolve(from), ...main, others })}\n`
        : `restored ${resolve(from)} into ${resolve(dataDir)}\n${proofs.map((p) => describeProof(p.database, p)).join('')}put the log's key files (or its --key-file / --note-key-file settings) in place before cairn serve\n`);
      return EXIT.OK;
    } finally {
      lock.release();
    }
  });
}

/** A restore goes only into an empty or absent directory: it never replaces a log. */
function refuseNonEmpty(dataDir: string): void {
  const stat = statSync(dataDir, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isDirectory()) throw new LogError('CONFIG_INVALID', `couldn't restore into ${dataDir}: not a directory`);
  const present = readdirSync(dataDir);
  if (present.length > 0) {
    throw new LogError('CONFIG_INVALID', `couldn't restore into ${dataDir}: the directory is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}); restore into a new directory`);
  }
}

async function proveFile(file: string, key: KeyObject | undefined): Promise<CopyProof> {
  const store = openReadOnlyStore(file, { quickCheck: true });
  try {
    return await proveStoredLog(toAsyncStore(store), key);
  } finally {
    store.close();
  }
}

function describeProof(file: string, p: CopyProof): string {
  const logKey = p.signatures.logKey === 'verified' ? 'verified' : `not checked (${p.logKeyNote ?? ''})`;
  return [
    `ok: ${file} proves out`,
    `  tree size ${p.treeSize}, root ${p.root} (recomputed from every entry and tile)`,
    `  latest checkpoint signed by the pinned note key: verified; by the log key${p.logId === undefined ? '' : ` (logID ${p.logId})`}: ${logKey}`,
    `  rehashed ${p.rehashed.entries} entries, ${p.rehashed.tiles} tiles, ${p.rehashed.checkpoints} checkpoint roots`,
    '',
  ].join('\n');
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
