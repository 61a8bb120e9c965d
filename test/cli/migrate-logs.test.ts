/**
 * `cairn migrate` of every log of a data dir, on a real PostgreSQL server:
 * the Rekor v1 log, the Rekor v2 tree and the admin audit log the real
 * server built are each copied into the schema `cairn serve --database-url`
 * opens it from and proved, and the server on the database then serves all
 * three with the same checkpoints and goes on appending to each; runs killed
 * while copying the v2 tree, then the admin log, leave each schema at one of
 * its log's published sizes and every copy unfinished (the v1 log's too,
 * though whole), and the next run resumes and finishes; a schema holding
 * another log refuses the run before anything is written; logs absent from
 * the data dir are skipped and named, and copied by a later run beside the
 * v1 log's finished copy.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { isLogError } from '../../src/errors.js';
import { parseCheckpoint, parseNote } from '../../src/note/index.js';
import { openPostgresStore, openSnapshot } from '../../src/storage/index.js';
import { ADMIN_TOKEN, SUBMIT_TOKEN, adminCall, adminCode, readAdminLog, startAdminServer } from '../support/admin-server.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { growDataDirLogs } from '../support/data-dir-logs.js';
import { ecKey, hashedRekord, hashedRekordV2 } from '../support/http.js';
import { getJson, httpRequest } from '../support/http-client.js';
import { eachLine } from '../support/lines.js';
import { usePostgres } from '../support/postgres.js';
import { MAIN_JS, type ServerProcess } from '../support/server-process.js';

const PUBLIC_URL = 'http://log.example.test';
const RELOAD_PATH = '/api/v1/admin/tokens/reload';
const SCHEMAS = { 'cairn.db': undefined, 'rekor-v2.db': 'cairn_rekor_v2', 'admin-log.db': 'cairn_admin_log' } as const;
type LogFile = keyof typeof SCHEMAS;

interface LogSummary {
  file: LogFile;
  schema: string | null;
  alreadyFinished: boolean;
  size: number;
  root: string;
  resumedAt?: number;
  entriesCopied: number;
  checkpoints: number;
  searchKeys: number;
}
interface Summary {
  ok: boolean;
  finished: boolean;
  size: number;
  logs: LogSummary[];
  absent: string[];
  notes: string[];
}

/** A submission with the admin server's submit token. */
const submit = (url: string, path: string, body: unknown): ReturnType<typeof httpRequest> => httpRequest(url, 'POST', path, { body: JSON.stringify(body), headers: { authorization: `Bearer ${SUBMIT_TOKEN}` } });

const text = async (url: string, path: string): Promise<string> => (await fetch(`${url}${path}`)).text();

/** The size and hex root a checkpoint note names. */
function head(note: string): { size: number; root: string } {
  const cp = parseCheckpoint(parseNote(note).text);
  return { size: cp.size, root: Buffer.from(cp.root).toString('hex') };
}

/** Rows of one query on `url`. */
async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** The published sizes and the latest checkpoint of a log file of the data dir. */
function sourceOf(path: string): { sizes: Set<number>; latest: { size: number; note: string } } {
  const s = openSnapshot(path);
  try {
    const latest = s.store.latestCheckpoint();
    assert.ok(latest);
    return { sizes: new Set(s.store.listCheckpoints(0, 1_000_000).map((c) => c.size)), latest: { size: latest.size, note: latest.note } };
  } finally {
    s.close();
  }
}

/** Run migrate with `args`, SIGKILLed at its first stderr line matching `when`. */
async function killedMigrate(args: readonly string[], when: RegExp): Promise<void> {
  const child = spawn(process.execPath, [MAIN_JS, 'migrate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  const seen: string[] = [];
  eachLine(child.stderr, (line) => {
    seen.push(line);
    if (when.test(line)) child.kill('SIGKILL');
  });
  assert.equal(await exited, 'SIGKILL', `killed at ${when} (stderr: ${seen.join('\n')})`);
}

describe('cairn migrate: every log of the data dir', function () {
  this.timeout(180_000);
  const server = usePostgres();
  let dir: string;
  const procs: ServerProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-logs-'));
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the v1 log, the Rekor v2 tree and the admin log the real server built, each into its schema; cairn serve --database-url serves all three as they were and appends to each', async () => {
    const data = join(dir, 'data');
    const args = ['--public-url', PUBLIC_URL, '--batch-max-age-ms', '2'];
    const onSqlite = await startAdminServer(dir, args);
    procs.push(onSqlite);
    const key = ecKey();
    for (let i = 0; i < 12; i++) assert.equal((await submit(onSqlite.url, '/api/v1/log/entries', hashedRekord(key, `v1 artifact ${i}`))).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await submit(onSqlite.url, '/api/v2/log/entries', hashedRekordV2(key, `v2 artifact ${i}`))).status, 201);
    assert.equal((await adminCall(onSqlite.url, RELOAD_PATH, { token: ADMIN_TOKEN, otp: adminCode(), requestId: 'before-the-move' })).status, 200);
    assert.equal((await adminCall(onSqlite.url, RELOAD_PATH, { requestId: 'refused-before-the-move' })).status, 401);
    const before = {
      v1: await getJson<{ treeSize: number; rootHash: string }>(onSqlite.url, '/api/v1/log'),
      v2: await text(onSqlite.url, '/api/v2/checkpoint'),
      admin: await readAdminLog(onSqlite.url),
    };
    assert.equal((await onSqlite.stop()).code, 0);
    procs.splice(0);
    assert.equal(before.v1.treeSize, 12);
    assert.equal(head(before.v2).size, 3);
    assert.deepEqual(before.admin.records.slice(-3).map((r) => [r['requestId'], r['event']]), [['before-the-move', 'authorized'], ['before-the-move', 'completed'], ['refused-before-the-move', 'refused']]);

    const url = await server().createDatabase();
    const r = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    assert.equal(r.status, 0, describeRun(r));
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual([s.ok, s.finished, s.size, s.absent, s.notes], [true, true, 12, [], []]);
    assert.deepEqual(
      s.logs.map((l) => [l.file, l.schema, l.size, l.root, l.entriesCopied]),
      [
        ['cairn.db', null, 12, before.v1.rootHash, 12],
        ['rekor-v2.db', 'cairn_rekor_v2', 3, head(before.v2).root, 3],
        ['admin-log.db', 'cairn_admin_log', before.admin.size, head(before.admin.note).root, before.admin.size],
      ],
    );
    // Rekor v2 has no search, and admin records are found by index: neither log keeps search keys.
    assert.deepEqual(s.logs.map((l) => l.searchKeys > 0), [true, false, false]);
    for (const f of ['cairn.db', 'rekor-v2.db', 'admin-log.db']) assert.match(r.stderr, new RegExp(`cairn migrate: ${f.replace('.', '\\.')}: proved entries`));

    // The server on the database: the same three logs, the same signed checkpoints, and each goes on.
    const onPostgres = await startAdminServer(dir, [...args, '--database-url', url]);
    procs.push(onPostgres);
    assert.ok(!onPostgres.logs.some((l) => l.includes('Rekor v2 tree is not served')), onPostgres.logs.join('\n'));
    const v1 = await getJson<{ treeSize: number; rootHash: string }>(onPostgres.url, '/api/v1/log');
    assert.deepEqual([v1.treeSize, v1.rootHash], [before.v1.treeSize, before.v1.rootHash]);
    assert.equal(await text(onPostgres.url, '/api/v2/checkpoint'), before.v2, 'the v2 tree’s signed checkpoint');
    const admin = await readAdminLog(onPostgres.url);
    assert.equal(admin.note, before.admin.note, 'the admin log’s signed checkpoint');
    assert.deepEqual(admin.records, before.admin.records, 'every admin record, readable from the database');

    assert.equal((await submit(onPostgres.url, '/api/v2/log/entries', hashedRekordV2(key, 'v2 after the move'))).status, 201);
    assert.equal(head(await text(onPostgres.url, '/api/v2/checkpoint')).size, 4);
    assert.equal((await adminCall(onPostgres.url, RELOAD_PATH, { token: ADMIN_TOKEN, otp: adminCode(30_000), requestId: 'after-the-move' })).status, 200);
    const grown = await readAdminLog(onPostgres.url);
    assert.deepEqual(grown.records.slice(0, before.admin.size), before.admin.records);
    assert.deepEqual(grown.records.slice(before.admin.size).map((x) => [x['requestId'], x['event']]), [['after-the-move', 'authorized'], ['after-the-move', 'completed']]);
    const sizes = await query<{ v1: number; v2: number; admin: number }>(url, 'SELECT (SELECT size FROM public.log_head)::int AS v1, (SELECT size FROM cairn_rekor_v2.log_head)::int AS v2, (SELECT size FROM cairn_admin_log.log_head)::int AS admin');
    assert.deepEqual(sizes[0], { v1: 12, v2: 4, admin: grown.size }, 'each log in its schema');
  });

  it('runs killed while copying the v2 tree, then the admin log, leave every copy unfinished at a published size; the next run resumes and finishes', async () => {
    const data = join(dir, 'data');
    const n = await growDataDirLogs(data, PUBLIC_URL, { v1: 10, v2: 4000, admin: 4000 });
    const sources = Object.fromEntries(Object.keys(SCHEMAS).map((f) => [f, sourceOf(join(data, f))])) as Record<LogFile, ReturnType<typeof sourceOf>>;
    const url = await server().createDatabase();
    const args = ['--from', data, '--to', url, '--chunk-entries', '64'];
    const state = async (): Promise<{ v1: number; v2: number; admin: number; unfinished: number; v2Checkpoint: number }> =>
      (
        await query<{ v1: number; v2: number; admin: number; unfinished: number; v2Checkpoint: number }>(
          url,
          `SELECT (SELECT size FROM public.log_head)::int AS v1, (SELECT size FROM cairn_rekor_v2.log_head)::int AS v2, (SELECT size FROM cairn_admin_log.log_head)::int AS admin,
                  ((SELECT count(*) FROM public.import_state) + (SELECT count(*) FROM cairn_rekor_v2.import_state) + (SELECT count(*) FROM cairn_admin_log.import_state))::int AS unfinished,
                  (SELECT count(*) FROM cairn_rekor_v2.checkpoints WHERE size = (SELECT size FROM cairn_rekor_v2.log_head))::int AS "v2Checkpoint"`,
        )
      )[0]!;
    const refused = async (): Promise<void> => {
      await assert.rejects(openPostgresStore({ url }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /run cairn migrate again/.test(e.message));
    };

    await killedMigrate(args, /cairn migrate: rekor-v2\.db: copied entries \d+\/4000/);
    const first = await state();
    assert.equal(first.v1, n.v1, 'the v1 log copied whole');
    assert.ok(first.v2 > 0 && first.v2 < 4000 && sources['rekor-v2.db'].sizes.has(first.v2), `the v2 tree at a published size (${first.v2})`);
    assert.equal(first.v2Checkpoint, 1, 'with its checkpoint there');
    assert.equal(first.admin, 0);
    assert.equal(first.unfinished, 3, 'every copy marked unfinished, the whole v1 log’s too');
    await refused();

    await killedMigrate(args, /cairn migrate: admin-log\.db: copied entries \d+\/4000/);
    const second = await state();
    assert.equal(second.v2, n.v2, 'the v2 tree copied whole');
    assert.ok(second.admin > 0 && second.admin < 4000 && sources['admin-log.db'].sizes.has(second.admin), `the admin log at a published size (${second.admin})`);
    assert.equal(second.unfinished, 3);
    await refused();

    const r = await runCairn(['migrate', ...args, '--json']);
    assert.equal(r.status, 0, describeRun(r));
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual(
      s.logs.map((l) => [l.file, l.resumedAt, l.size, l.entriesCopied]),
      [
        ['cairn.db', n.v1, n.v1, 0],
        ['rekor-v2.db', n.v2, n.v2, 0],
        ['admin-log.db', second.admin, n.admin, n.admin - second.admin],
      ],
    );
    assert.match(r.stderr, new RegExp(`cairn migrate: admin-log\\.db: resumed an unfinished copy at size ${second.admin}`));
    assert.equal((await state()).unfinished, 0);
    for (const [file, schema] of Object.entries(SCHEMAS) as [LogFile, string | undefined][]) {
      const store = await openPostgresStore({ url, ...(schema === undefined ? {} : { schema }) });
      try {
        assert.deepEqual((await store.latestCheckpoint())?.note, sources[file].latest.note, `${file}: the latest signed checkpoint`);
        assert.equal((await store.listCheckpoints(0, 1_000_000)).length, sources[file].sizes.size, `${file}: every checkpoint`);
      } finally {
        await store.close();
      }
    }
  });

  it('refuses a run whose admin log schema holds another log before writing anything; skips absent logs, naming them, and copies them later beside the finished v1 copy', async () => {
    const data = join(dir, 'data');
    const n = await growDataDirLogs(data, PUBLIC_URL, { v1: 5, v2: 2, admin: 3 });

    const taken = await server().createDatabase();
    const other = await openPostgresStore({ url: taken, schema: 'cairn_admin_log' });
    await other.setMeta('origin', 'another.example/admin - 1');
    await other.close();
    const refused = await runCairn(['migrate', '--from', data, '--to', taken]);
    assert.equal(refused.status, 2, describeRun(refused));
    assert.match(refused.stderr, /cairn migrate: admin-log\.db \(the admin audit log\): couldn't copy into postgres:\S+ \(schema cairn_admin_log\): it holds a log \(size 0\) that is not this log's copy \(its meta \w+ differs\)/);
    const written = await query<{ n: number }>(taken, 'SELECT ((SELECT count(*) FROM public.meta) + (SELECT count(*) FROM public.import_state) + (SELECT count(*) FROM cairn_rekor_v2.meta) + (SELECT count(*) FROM cairn_rekor_v2.import_state))::int AS n');
    assert.equal(written[0]?.n, 0, 'nothing written to the other schemas');

    // The v2 tree and the admin log set aside: the v1 log alone is copied, the others named.
    const aside = join(dir, 'aside');
    mkdirSync(aside);
    const extras = readdirSync(data).filter((f) => f.startsWith('rekor-v2.db') || f.startsWith('admin-log.db'));
    for (const f of extras) renameSync(join(data, f), join(aside, f));
    const url = await server().createDatabase();
    const alone = await runCairn(['migrate', '--from', data, '--to', url]);
    assert.equal(alone.status, 0, describeRun(alone));
    assert.match(alone.stdout, /^migrated .* tree size 5, root [0-9a-f]{64}\n/);
    assert.match(alone.stdout, /\n {2}not in the data dir, skipped: rekor-v2\.db, admin-log\.db\n/);
    assert.match(alone.stdout, /\n {2}note: cairn\.db names a Rekor v2 tree \(created \S+\) that \S+ does not hold .*will serve no Rekor v2 tree/);
    assert.match(alone.stdout, /\nfinished: cairn serve --database-url opens this log from this database/);

    // Put back: the v1 log's finished copy is proved again, the other two copied beside it.
    for (const f of extras) renameSync(join(aside, f), join(data, f));
    const r = await runCairn(['migrate', '--from', data, '--to', url, '--json']);
    assert.equal(r.status, 0, describeRun(r));
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual(
      s.logs.map((l) => [l.file, l.alreadyFinished, l.entriesCopied, l.size]),
      [
        ['cairn.db', true, 0, n.v1],
        ['rekor-v2.db', false, n.v2, n.v2],
        ['admin-log.db', false, n.admin, n.admin],
      ],
    );
    assert.deepEqual([s.absent, s.notes], [[], []]);
  });
});
