/**
 * `cairn migrate --from DIR --to URL`: copy the log of a data dir (SQLite,
 * `DIR/cairn.db`) into an empty PostgreSQL database and prove the copy.
 *
 * The source is read through one snapshot (a read transaction on a
 * read-only connection: src/storage/sqlite/snapshot.ts), so a server may go
 * on serving and writing it meanwhile. While no server runs on DIR, migrate
 * holds DIR's lock for the whole run (none can start), and a proved copy is
 * finished: the target is then a log that `cairn serve --database-url`
 * opens. While a server runs on DIR, migrate copies and proves the log as of
 * its snapshot but does not finish the copy (the source is still growing;
 * serving the copy would fork the log): it exits 5, and a second run once
 * the server is stopped copies only what was added, proves and finishes.
 *
 * The copy goes in transactions that each end at one of the source's
 * published checkpoints, so the target is at every moment the log at a
 * published size, marked unfinished (PostgreSQL's `import_state`, which the
 * store refuses to open); a run that fails or is killed is resumed by running
 * the same command again.
 *
 * Only the Rekor v1 log (`cairn.db`) is copied: the PostgreSQL store holds
 * one log per database. The Rekor v2 tree (`rekor-v2.db`) and the admin
 * audit log (`admin-log.db`) are named in the output as not copied.
 *
 * Run again on a database holding this log's finished copy at the snapshot's
 * latest checkpoint, migrate writes nothing and proves it again.
 *
 * Exit status (the table in exit-codes.ts): 0 copied, proved and finished;
 * 1 the copy does not prove out, or the source does not (what and where:
 * the target stays unfinished); 2 bad usage or configuration: missing flags,
 * a target that holds another log (or another log's unfinished copy) or is not a
 * Cairn database, a rotated or frozen source; 3 PostgreSQL could not be
 * reached (the target stays at its last committed chunk: run again);
 * 4 no log in DIR; 5 copied and proved up to the snapshot, not finished,
 * because a server runs on DIR (or another migrate copies into the target).
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, isLogError } from '../errors.js';
import { copyLog, proveCopy, type CopyProgress } from '../migrate/index.js';
import { openPostgresImport, openSnapshot, type PostgresImport, type SqliteSnapshot } from '../storage/index.js';
import { ADMIN_LOG_FILE } from './admin-log.js';
import { DATABASE_FILE } from './backup.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { EXIT, ExitError, UsageError, exitStatusOf, type ExitStatus } from './exit-codes.js';
import { v2DatabasePath } from './open-v2-log.js';

type Out = (text: string) => void;

/** How long one statement on the target may take before the run fails with exit 3 (a server that stopped answering), ms. */
const QUERY_TIMEOUT_MS = 120_000;

/** Least time between two progress lines of one phase, ms. */
const PROGRESS_EVERY_MS = 1000;

export async function migrateMain(
  argv: readonly string[],
  out: Out = (t) => process.stdout.write(t),
  err: Out = (t) => process.stderr.write(t),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const json = argv.includes('--json');
  try {
    return await migrate(argv, env, out, err);
  } catch (e) {
    const status = migrateExitStatus(e);
    if (json) out(`${JSON.stringify({ ok: false, error: { code: (e as { code?: string }).code ?? 'FAILED', message: describeError(e) } })}\n`);
    err(`cairn migrate: ${describeError(e)}\n`);
    return status;
  }
}

async function migrate(argv: readonly string[], env: NodeJS.ProcessEnv, out: Out, err: Out): Promise<number> {
  const values = parse(argv);
  const from = values.from;
  if (from === undefined || from === '') throw new UsageError('--from DIR is required: the data dir whose log to copy');
  const url = values.to ?? env['CAIRN_DATABASE_URL'];
  if (url === undefined || url === '') throw new UsageError('--to URL (or CAIRN_DATABASE_URL) is required: the PostgreSQL database to copy into');
  const chunkEntries = positive('--chunk-entries', values['chunk-entries']);
  const dbPath = join(from, DATABASE_FILE);
  if (!existsSync(dbPath)) throw new ExitError(EXIT.NO_LOG, `no log in ${from} (${dbPath} does not exist); check --from`);

  const t0 = performance.now();
  let lock: DataDirLock | undefined;
  let servedBy: string | undefined;
  try {
    lock = lockDataDir(from);
  } catch (e) {
    if (!(e instanceof ExitError && e.status === EXIT.LOCKED)) throw e;
    servedBy = e.message;
  }
  let source: SqliteSnapshot | undefined;
  let target: PostgresImport | undefined;
  try {
    source = openSnapshot(dbPath);
    // Counting and comparing millions of rows takes more than a serving store's 10 s per statement.
    target = await openPostgresImport({ url, queryTimeoutMs: QUERY_TIMEOUT_MS });
    const progress = progressPrinter(err, t0);
    err(`cairn migrate: copying ${resolve(dbPath)} into ${target.label}${servedBy === undefined ? '' : ' (a server runs on it: copying its snapshot)'}\n`);
    const copy = await copyLog(source, target, { sourceLabel: resolve(from), nowMs: Date.now(), ...(chunkEntries === undefined ? {} : { chunkEntries }), onProgress: progress });
    if (copy.resumedAt !== undefined) err(`cairn migrate: resumed an unfinished copy at size ${copy.resumedAt}\n`);
    if (copy.alreadyFinished) err(`cairn migrate: ${target.label} holds this log's finished copy already; proving it again\n`);
    const tCopied = performance.now();
    const proof = await proveCopy(source, target, { onProgress: (done, total) => progress({ phase: 'proved', done, total }) });
    const finished = servedBy === undefined;
    if (finished && !copy.alreadyFinished) await target.finish(proof.size);
    const tEnd = performance.now();
    const notCopied = [basename(v2DatabasePath('.')), ADMIN_LOG_FILE].filter((f) => existsSync(join(from, f)));
    const summary = {
      ok: finished,
      from: resolve(from),
      to: target.label,
      finished,
      alreadyFinished: copy.alreadyFinished,
      size: proof.size,
      root: proof.root,
      resumedAt: copy.resumedAt,
      entriesCopied: copy.entriesCopied,
      chunks: copy.chunks,
      checkpoints: proof.checkpoints,
      cosignatures: proof.cosignatures,
      searchKeys: proof.searchKeys,
      tiles: proof.tiles,
      meta: proof.meta,
      notCopied,
      ms: { copy: Math.round(tCopied - t0), prove: Math.round(tEnd - tCopied), total: Math.round(tEnd - t0) },
    };
    if (values.json === true) out(`${JSON.stringify(summary)}\n`);
    else out(describe(summary, servedBy));
    if (!finished) err(`cairn migrate: not finished: ${servedBy}; stop that server and run cairn migrate again: it copies only what was added, proves and finishes the copy\n`);
    return finished ? EXIT.OK : EXIT.LOCKED;
  } finally {
    await target?.close();
    source?.close();
    lock?.release();
  }
}

interface Summary {
  readonly from: string;
  readonly to: string;
  readonly finished: boolean;
  readonly size: number;
  readonly root: string;
  readonly resumedAt: number | undefined;
  readonly entriesCopied: number;
  readonly chunks: number;
  readonly checkpoints: number;
  readonly cosignatures: number;
  readonly searchKeys: number;
  readonly tiles: number;
  readonly meta: number;
  readonly notCopied: readonly string[];
  readonly ms: { readonly copy: number; readonly prove: number; readonly total: number };
}

function describe(s: Summary, servedBy: string | undefined): string {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return [
    `${s.finished ? 'migrated' : 'copied (not finished)'} ${s.from} to ${s.to}: tree size ${s.size}, root ${s.root}`,
    `  copied ${s.entriesCopied} entries in ${s.chunks} transactions${s.resumedAt === undefined ? '' : ` (resumed at size ${s.resumedAt})`}`,
    `  proved: ${s.checkpoints} checkpoints (signed notes byte for byte, signed by the pinned note key, each root recomputed from the copy's leaf hashes), ${s.cosignatures} cosignatures, ${s.size} entries, ${s.tiles} tiles, ${s.searchKeys} search keys, ${s.meta} meta rows`,
    `  time: copy ${sec(s.ms.copy)}, proof ${sec(s.ms.prove)}, total ${sec(s.ms.total)}`,
    ...(s.notCopied.length === 0 ? [] : [`  not copied: ${s.notCopied.join(', ')} (the PostgreSQL store holds the Rekor v1 log only)`]),
    s.finished ? 'finished: the PostgreSQL store opens this database as the log; its keys are not in it (the server takes the same key files)' : `not finished: ${servedBy ?? ''}`,
    '',
  ].join('\n');
}

/** Prints a progress line per phase at most once a second, and the last of each phase. */
function progressPrinter(err: Out, t0: number): (p: CopyProgress | { phase: 'proved'; done: number; total: number }) => void {
  const last = new Map<string, number>();
  return (p) => {
    const now = performance.now();
    const done = p.done >= p.total;
    if (!done && now - (last.get(p.phase) ?? -Infinity) < PROGRESS_EVERY_MS) return;
    last.set(p.phase, now);
    err(`cairn migrate: ${p.phase === 'proved' ? 'proved entries' : `copied ${p.phase}`} ${p.done}/${p.total} (${((now - t0) / 1000).toFixed(1)} s)\n`);
  };
}

/** The exit status of a failed migrate (see the module comment). */
export function migrateExitStatus(e: unknown): ExitStatus {
  if (isLogError(e)) {
    if (e.code === 'STORE_FAILED') return EXIT.UNREACHABLE;
    if (e.code === 'NOT_FOUND') return EXIT.NO_LOG;
    if (e.code === 'CONFIG_INVALID' && (e.details as { busy?: unknown } | undefined)?.busy === true) return EXIT.LOCKED;
  }
  return exitStatusOf(e);
}

function parse(argv: readonly string[]): { from?: string; to?: string; 'chunk-entries'?: string; json?: boolean } {
  try {
    return parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, to: { type: 'string' }, 'chunk-entries': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError(describeError(e));
  }
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} ${JSON.stringify(value)}: not a positive integer`);
  return n;
}
