/**
 * `cairn migrate --from DIR --to URL`: copy every log of a data dir (SQLite:
 * the Rekor v1 log `DIR/cairn.db`, the Rekor v2 tree `DIR/rekor-v2.db`, the
 * admin audit log `DIR/admin-log.db`) into a PostgreSQL database, each into
 * the schema `cairn serve --database-url` opens it from (log-databases.ts:
 * the v1 log in the URL's own schema, the others in `cairn_rekor_v2` and
 * `cairn_admin_log`), and prove every copy. The v1 log must be there (exit 4
 * otherwise); a v2 tree or admin log the data dir does not hold (or that
 * holds no checkpoint) is skipped and named as such.
 *
 * Each log is read through its own snapshot (a read transaction on a
 * read-only connection: src/storage/sqlite/snapshot.ts), so a server may go
 * on serving and writing them meanwhile. While no server runs on DIR,
 * migrate holds DIR's lock for the whole run (none can start), and proved
 * copies are finished: the target then holds logs that `cairn serve
 * --database-url` opens. While a server runs on DIR, migrate copies and
 * proves every log as of its snapshot but finishes none (the sources are
 * still growing; serving a copy would fork its log): it exits 5, and a
 * second run once the server is stopped copies only what was added, proves
 * and finishes.
 *
 * Every log's copy is as src/migrate makes it: transactions that each end at
 * one of that log's published checkpoints, so each schema is at every moment
 * its log at a published size, marked unfinished (PostgreSQL's
 * `import_state`, which the store refuses to open); a run that fails or is
 * killed is resumed by running the same command again. Every target is
 * checked before any is written (a schema holding another log refuses the
 * whole run), every new one is marked unfinished before any entry is copied,
 * and the v1 log's copy is finished last: a server cannot open the database
 * (it opens the v1 log first) while any of its logs is incomplete.
 *
 * Run again on a database holding a log's finished copy at the snapshot's
 * latest checkpoint, migrate writes nothing to it and proves it again. On
 * one holding its finished copy at an earlier published size (the SQLite
 * server kept serving during the copy: the usual cutover is copy while it
 * serves, stop it, run again, start `cairn serve --database-url`), migrate
 * marks that copy unfinished again and copies only what was added since,
 * then proves and finishes it as above (src/migrate/extend.ts). A copy a
 * PostgreSQL server has written to (sequenced into, or added a meta row)
 * has diverged from the source: it is refused (exit 2), as is every other
 * log, before anything is written; the cosignatures its witnesses made of
 * checkpoints the source published are kept
 * (src/migrate/kept-cosignatures.ts).
 *
 * Exit status (the table in exit-codes.ts): 0 copied, proved and finished;
 * 1 a copy does not prove out, or its source does not (what, where and which
 * log: the targets stay unfinished); 2 bad usage or configuration: missing
 * flags, a target schema that holds another log (or another log's unfinished
 * copy) or is not a Cairn database; 3 PostgreSQL
 * could not be reached (each target stays at its last committed chunk: run
 * again); 4 no log in DIR; 5 copied and proved up to the snapshots, not
 * finished, because a server runs on DIR (or another migrate copies into the
 * target).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LogError, describeError, isLogError } from '../errors.js';
import { beginCopy, copyLog, planCopy, proveCopy, type CopyPlan, type CopyProofSummary, type CopyResult } from '../migrate/index.js';
import { openPostgresImport, openSnapshot, type PostgresImport, type SqliteSnapshot } from '../storage/index.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { EXIT, ExitError, UsageError, exitStatusOf, type ExitStatus } from './exit-codes.js';
import { POSTGRES_SCHEMAS, SQLITE_FILES, type LogDatabaseName } from './log-databases.js';
import { describeSummary, progressPrinter, summarize, type LogSummary } from './migrate-report.js';
import { REKOR_V2_TREE_META, describeCreated } from './open-v2-log.js';

type Out = (text: string) => void;

/** How long one statement on the target may take before the run fails with exit 3 (a server that stopped answering), ms. */
const QUERY_TIMEOUT_MS = 120_000;

/** The logs of a data dir, in the order they are copied (the v1 log first; its copy is finished last). */
const LOGS: readonly LogDatabaseName[] = ['log', 'rekor-v2', 'admin-log'];

const TITLES: Readonly<Record<LogDatabaseName, string>> = { log: 'the Rekor v1 log', 'rekor-v2': 'the Rekor v2 tree', 'admin-log': 'the admin audit log' };

/** One log being migrated: its snapshot, its target schema, and what was done. */
interface Migrating {
  readonly name: LogDatabaseName;
  readonly file: string;
  readonly source: SqliteSnapshot;
  readonly target: PostgresImport;
  plan?: CopyPlan;
  copy?: CopyResult;
  proof?: CopyProofSummary;
  ms?: { copy: number; prove: number };
}

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
  if (from === undefined || from === '') throw new UsageError('--from DIR is required: the data dir whose logs to copy');
  const url = values.to ?? env['CAIRN_DATABASE_URL'];
  if (url === undefined || url === '') throw new UsageError('--to URL (or CAIRN_DATABASE_URL) is required: the PostgreSQL database to copy into');
  const chunkEntries = positive('--chunk-entries', values['chunk-entries']);
  const dbPath = join(from, SQLITE_FILES.log);
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
  const logs: Migrating[] = [];
  const toClose: (() => unknown)[] = [];
  try {
    const absent: string[] = [];
    for (const name of LOGS) {
      const file = SQLITE_FILES[name];
      const path = join(from, file);
      if (name !== 'log' && !existsSync(path)) {
        absent.push(file);
        continue;
      }
      const source = await as(name, async () => openSnapshot(path));
      toClose.push(() => source.close());
      if (name !== 'log' && source.store.latestCheckpoint() === undefined) {
        absent.push(`${file} (holds no checkpoint)`);
        continue;
      }
      // Counting and comparing millions of rows takes more than a serving store's 10 s per statement.
      const schema = POSTGRES_SCHEMAS[name];
      const target = await as(name, () => openPostgresImport({ url, queryTimeoutMs: QUERY_TIMEOUT_MS, ...(schema === undefined ? {} : { schema }) }));
      toClose.push(() => target.close());
      logs.push({ name, file, source, target });
    }
    const notes = v2TreeNotes(from, logs);
    for (const note of notes) err(`cairn migrate: note: ${note}\n`);
    const options = { sourceLabel: resolve(from), nowMs: Date.now() };
    // Every target checked before any is written; then every new one marked unfinished before any entry is copied.
    for (const l of logs) l.plan = await as(l.name, () => planCopy(l.source, l.target));
    const extending = new Set(logs.filter((l) => l.plan?.state === 'extend').map((l) => l.name));
    for (const l of logs) l.plan = await as(l.name, () => beginCopy(l.source, l.target, l.plan as CopyPlan, options));

    const progress = progressPrinter(err, t0);
    for (const l of logs) {
      const tStart = performance.now();
      err(`cairn migrate: copying ${l.source.path} into ${l.target.label}${servedBy === undefined ? '' : ' (a server runs on it: copying its snapshot)'}\n`);
      const copy = await as(l.name, () => copyLog(l.source, l.target, { ...options, ...(chunkEntries === undefined ? {} : { chunkEntries }), onProgress: (p) => progress(l.file, p) }, l.plan));
      if (copy.resumedAt !== undefined) err(`cairn migrate: ${l.file}: ${extending.has(l.name) ? 'extended its finished copy' : 'resumed an unfinished copy'} at size ${copy.resumedAt}\n`);
      if (copy.alreadyFinished) err(`cairn migrate: ${l.file}: ${l.target.label} holds this log's finished copy already; proving it again\n`);
      const tCopied = performance.now();
      l.proof = await as(l.name, () => proveCopy(l.source, l.target, { onProgress: (done, total) => progress(l.file, { phase: 'proved', done, total }) }));
      l.copy = copy;
      l.ms = { copy: Math.round(tCopied - tStart), prove: Math.round(performance.now() - tCopied) };
    }
    const finished = servedBy === undefined;
    // The v1 log last: until its copy is finished no server opens the database, so none finds another log unfinished.
    if (finished) {
      for (const l of [...logs].reverse()) {
        if (l.copy?.alreadyFinished !== true) await as(l.name, () => l.target.finish((l.proof as CopyProofSummary).size, (l.proof as CopyProofSummary).tree));
      }
    }
    const summary = summarize(resolve(from), finished, logs.map(logSummary), absent, notes, performance.now() - t0);
    if (values.json === true) out(`${JSON.stringify(summary)}\n`);
    else out(describeSummary(summary, servedBy));
    if (!finished) err(`cairn migrate: not finished: ${servedBy}; stop that server and run cairn migrate again: it copies only what was added, proves and finishes the copies\n`);
    return finished ? EXIT.OK : EXIT.LOCKED;
  } finally {
    for (const close of toClose.reverse()) await close();
    lock?.release();
  }
}

function logSummary(l: Migrating): LogSummary {
  const copy = l.copy as CopyResult;
  const proof = l.proof as CopyProofSummary;
  return {
    file: l.file,
    title: TITLES[l.name],
    schema: POSTGRES_SCHEMAS[l.name] ?? null,
    to: l.target.label,
    alreadyFinished: copy.alreadyFinished,
    size: proof.size,
    root: proof.root,
    trees: proof.trees,
    entries: proof.entries,
    resumedAt: copy.resumedAt,
    entriesCopied: copy.entriesCopied,
    chunks: copy.chunks,
    checkpoints: proof.checkpoints,
    cosignatures: proof.cosignatures,
    keptCosignatures: proof.keptCosignatures,
    cosignaturesInPlaceOfSource: proof.cosignaturesInPlaceOfSource,
    searchKeys: proof.searchKeys,
    tiles: proof.tiles,
    meta: proof.meta,
    ms: l.ms ?? { copy: 0, prove: 0 },
  };
}

/**
 * What a server on the copies will not serve, as it does not on the data
 * dir (open-v2-log.ts): a Rekor v2 tree other than the one the v1 log names,
 * or none where it names one. The copies keep the logs as they are.
 */
function v2TreeNotes(from: string, logs: readonly Migrating[]): string[] {
  const v1 = logs.find((l) => l.name === 'log');
  const recorded = v1 === undefined ? undefined : new Map(v1.source.meta()).get(REKOR_V2_TREE_META);
  if (recorded === undefined) return [];
  const v2 = logs.find((l) => l.name === 'rekor-v2');
  const v2File = SQLITE_FILES['rekor-v2'];
  if (v2 === undefined) {
    return [`${SQLITE_FILES.log} names a Rekor v2 tree (created ${describeCreated(recorded)}) that ${from} does not hold (no ${v2File} with a checkpoint): cairn serve --database-url will serve no Rekor v2 tree, as cairn serve on ${from} does not`];
  }
  const created = String(v2.source.store.listCheckpoints(0, 1)[0]?.time ?? '');
  if (created === recorded) return [];
  return [`${v2File} holds another Rekor v2 tree (created ${describeCreated(created)}) than the one ${SQLITE_FILES.log} names (created ${describeCreated(recorded)}): copied as it is; cairn serve --database-url will not serve it, as cairn serve on ${from} does not`];
}

/** `body`'s result; a LogError it throws for a log other than the v1 one is said with that log's file and title (same code and details). */
async function as<T>(name: LogDatabaseName, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (name === 'log' || !isLogError(e)) throw e;
    throw new LogError(e.code, `${SQLITE_FILES[name]} (${TITLES[name]}): ${e.message}`, { cause: e, ...(e.details === undefined ? {} : { details: e.details }) });
  }
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
