/**
 * Copies of a log and their proof:
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
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { LogError, describeError } from '../errors.js';
import { proveStoredLog, type CopyProof } from '../log/index.js';
import { backupDatabase, openReadOnlyStore } from '../storage/index.js';
import { lockDataDir } from './data-dir-lock.js';
import { EXIT, ExitError, UsageError, exitStatusOf } from './exit-codes.js';
import { readKeyFile } from './keyfile.js';

export const DATABASE_FILE = 'cairn.db';

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
    const db = requireDatabase(dataDir);
    const t0 = performance.now();
    const result = backupDatabase(db, to);
    const store = openReadOnlyStore(result.path);
    const latest = (() => {
      try {
        return store.latestCheckpoint();
      } finally {
        store.close();
      }
    })();
    const summary = {
      ok: true,
      database: resolve(db),
      backup: result.path,
      bytes: result.bytes,
      ms: Math.round(performance.now() - t0),
      treeSize: latest?.size ?? 0,
      root: latest === undefined ? undefined : Buffer.from(latest.root).toString('hex'),
    };
    out(json
      ? `${JSON.stringify(summary)}\n`
      : `backed up ${summary.database} to ${summary.backup}: ${summary.bytes} bytes, tree size ${summary.treeSize}, root ${summary.root ?? '-'} (${summary.ms} ms)\nprove it: cairn check --file ${summary.backup}\n`);
    return EXIT.OK;
  });
}

export async function checkMain(argv: readonly string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const json = argv.includes('--json');
  return run('check', json, out, err, () => {
    const values = parse(argv, { ...COMMON, file: { type: 'string' } });
    const { dataDir, keyFile } = logSettings(values);
    const file = typeof values['file'] === 'string' ? values['file'] : requireDatabase(dataDir);
    if (!existsSync(file)) throw new ExitError(EXIT.NO_LOG, `no log at ${file}: the file does not exist`);
    const proof = proveFile(file, logPublicKey(keyFile));
    out(json ? `${JSON.stringify({ ok: true, database: resolve(file), ...proof })}\n` : describeProof(resolve(file), proof));
    return EXIT.OK;
  });
}

export async function restoreMain(argv: readonly string[], out: Out = (t) => process.stdout.write(t), err: Out = (t) => process.stderr.write(t)): Promise<number> {
  const json = argv.includes('--json');
  return run('restore', json, out, err, () => {
    const values = parse(argv, { ...COMMON, from: { type: 'string' } });
    const from = values['from'];
    if (typeof from !== 'string' || from === '') throw new UsageError('--from FILE is required: the backup to restore');
    if (!existsSync(from)) throw new LogError('CONFIG_INVALID', `--from ${from}: the file does not exist`);
    const { dataDir, keyFile } = logSettings(values);
    refuseNonEmpty(dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = lockDataDir(dataDir); // no server may start on it meanwhile
    const target = join(dataDir, DATABASE_FILE);
    try {
      const tmp = join(dataDir, `.${DATABASE_FILE}.restore.tmp`);
      copyFileSync(from, tmp);
      fsyncFile(tmp);
      renameSync(tmp, target);
      fsyncFile(dataDir);
      let proof: CopyProof;
      try {
        proof = proveFile(target, logPublicKey(keyFile));
      } catch (e) {
        for (const f of [target, `${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
        throw e;
      }
      out(json
        ? `${JSON.stringify({ ok: true, restoredFrom: resolve(from), database: resolve(target), ...proof })}\n`
        : `restored ${resolve(from)} into ${resolve(target)}\n${describeProof(resolve(target), proof)}put the log's key files (or its --key-file / --note-key-file settings) in place before cairn serve\n`);
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

function proveFile(file: string, key: KeyObject | undefined): CopyProof {
  const store = openReadOnlyStore(file, { quickCheck: true });
  try {
    return proveStoredLog(store, key);
  } finally {
    store.close();
  }
}

function describeProof(file: string, p: CopyProof): string {
  const logKey = p.signatures.logKey === 'verified' ? 'verified' : `not checked (${p.logKeyNote ?? ''})`;
  return [
    `ok: ${file} proves out`,
    `  tree size ${p.treeSize}, root ${p.root} (recomputed from every entry and tile)`,
    `  latest checkpoint signed by the pinned note key: verified; by the log key (logID ${p.logId}): ${logKey}`,
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
