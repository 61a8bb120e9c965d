/**
 * `npm run bench [-- --quick] [--json FILE] [--only submit,read,latency,scale,core,sign,admission,logkeys,storage,migrate,postgres,cluster]`
 *
 * Every figure is printed beside a baseline measured in the same run, because
 * these machines are shared and noisy: ratios hold, absolute times don't.
 *  - submit:  64 connections POSTing unique signed hashedrekord entries to `cairn serve`
 *             vs the same bodies to an express route that parses them and answers 201,
 *             in alternating rounds (Cairn, baseline, Cairn, baseline) so that both meet
 *             the same background load; server CPU per entry by thread from /proc. The same
 *             load on Rekor v2's POST /api/v2/log/entries (unique hashedrekord 0.0.2 requests,
 *             `submitV2`) in the same run and server, its rounds alternating with the baseline's too.
 *  - read:    random GET entries?logIndex=N (with proof) and random full tiles on a log of
 *             ≥1M entries vs express GETs returning bodies of the same size.
 *  - latency: steady 1,000 entries/s; time from request to the signed checkpoint that
 *             includes the entry (the 201 comes only after it).
 *  - scale:   grow to 10M through the core append path; proof cost at 10k, 1M, 10M;
 *             server RSS; bytes on disk per entry; restart (open + self-check) time.
 *  - core:    in-process appends and proofs vs raw SQLite (scripts/bench-core.ts).
 *  - sign:    sign and verify one container image, median and p99 over 100 images, beside the
 *             registry and log round trips (scripts/bench/image-signing.ts; needs docker-registry).
 *  - admission: `cairn admit` answering AdmissionReviews for a 5-container Pod over TLS, cold
 *             (cache off) and warm, p50/p99 and admissions/s, beside a registry manifest HEAD and
 *             the webhook's /healthz (scripts/bench/admission.ts; needs docker-registry).
 *  - logkeys: SETs/s with the log key in a SoftHSM2 token vs a file, Ed25519 and ECDSA P-256, and
 *             the submit throughput with the token key vs a file key (scripts/bench/log-keys.ts).
 *  - postgres: `cairn serve --database-url` (one node, PostgreSQL on this machine) beside `cairn serve` on SQLite,
 *             alternating rounds: submit (64 connections) and read (entries with proof, tiles) on 200k-entry logs
 *             (scripts/bench/postgres.ts; needs postgresql).
 *  - cluster: submissions through two nodes on one PostgreSQL database vs one node on PostgreSQL vs one
 *             on SQLite, alternating rounds (scripts/bench/cluster.ts; needs postgresql).
 *  - storage: batches of 256 committed durably to SQLite (appendBatch + sync) vs PostgreSQL on this
 *             machine, alternating rounds; random proof reads and full level-0 tile reads on each,
 *             alternating rounds (scripts/bench/storage.ts).
 *  - migrate: `cairn migrate` of a 100k-entry data dir (and 1M in a full run) into PostgreSQL on this
 *             machine vs `cairn backup` of the same data dir (scripts/bench/migrate.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import { growTo } from './grow.js';
import { admissionBench } from './admission.js';
import { imageSigningBench } from './image-signing.js';
import { logKeysBench } from './log-keys.js';
import { migrateBench } from './migrate.js';
import { storageBench } from './storage.js';
import { postgresBench } from './postgres.js';
import { clusterBench } from './cluster.js';
import { cpuDelta, cpuSum, cpuTotal, loadgen, noCpu, rssMB, startBaseline, startCairn, threadCpuSeconds, type Child, type LoadResult, type ThreadCpu } from './procs.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const JSON_FILE = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
const onlyAt = argv.indexOf('--only');
const ONLY = new Set((onlyAt >= 0 ? (argv[onlyAt + 1] ?? '') : 'submit,read,latency,scale,sign,admission').split(','));

const P = QUICK
  ? { submitSecs: 8, readSize: 100_000, readSecs: 5, latencySecs: 8, scaleSizes: [10_000, 100_000, 300_000] }
  : { submitSecs: 20, readSize: 1_000_000, readSecs: 10, latencySecs: 20, scaleSizes: [10_000, 1_000_000, 10_000_000] };

const results: Record<string, Record<string, number | string>> = {};
const round = (x: number, d = 1): number => Number(x.toFixed(d));
const log = (s: string): void => void process.stderr.write(`${s}\n`);

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `cairn-bench-${tag}-`));
}

/** Rounds of the submit scenario: Cairn and the baseline take turns, so both meet the same background load. */
const SUBMIT_ROUNDS = 2;

/** One round of closed-loop submissions against `child`, with its CPU by thread (/proc) over the round. */
async function submitRound(child: Child, secs: number, entries: string, mode: 'submit' | 'submit-v2' = 'submit'): Promise<{ r: LoadResult; cpu: ThreadCpu }> {
  const pid = child.proc.pid ?? 0;
  const before = await threadCpuSeconds(pid);
  const r = await loadgen([mode, child.url, String(secs), '64', entries]);
  const after = await threadCpuSeconds(pid);
  return { r, cpu: cpuDelta(before, after) };
}

/** The rounds of one side summed: entries/s over all rounds, the worst p99, CPU summed. */
function sumRounds(rounds: Array<{ r: LoadResult; cpu: ThreadCpu }>): { ok: number; errors: number; perSec: number; p50Ms: number; p99Ms: number; cpu: ThreadCpu; clientCpuUsPerReq: number } {
  const ok = rounds.reduce((n, x) => n + x.r.ok, 0);
  const secs = rounds.reduce((n, x) => n + x.r.seconds, 0);
  const cpu = rounds.reduce((sum, x) => cpuSum(sum, x.cpu), noCpu());
  return {
    ok,
    errors: rounds.reduce((n, x) => n + x.r.errors, 0),
    perSec: ok / secs,
    p50Ms: rounds.reduce((n, x) => n + x.r.p50Ms * x.r.ok, 0) / Math.max(1, ok),
    p99Ms: Math.max(...rounds.map((x) => x.r.p99Ms)),
    cpu,
    clientCpuUsPerReq: rounds.reduce((n, x) => n + (x.r.clientCpuUsPerReq ?? NaN) * x.r.ok, 0) / Math.max(1, ok),
  };
}

async function submit(): Promise<void> {
  const dir = tempDir('submit');
  const secs = P.submitSecs / SUBMIT_ROUNDS;
  const entries = String(Math.ceil(secs * 9000));
  const cairn = await startCairn(join(dir, 'data'));
  const base = await startBaseline(0);
  try {
    const cRounds: Array<{ r: LoadResult; cpu: ThreadCpu }> = [];
    const bRounds: Array<{ r: LoadResult; cpu: ThreadCpu }> = [];
    const c2Rounds: Array<{ r: LoadResult; cpu: ThreadCpu }> = [];
    const b2Rounds: Array<{ r: LoadResult; cpu: ThreadCpu }> = [];
    for (let i = 0; i < SUBMIT_ROUNDS; i++) {
      cRounds.push(await submitRound(cairn, secs, entries));
      bRounds.push(await submitRound(base, secs, entries));
      c2Rounds.push(await submitRound(cairn, secs, entries, 'submit-v2'));
      b2Rounds.push(await submitRound(base, secs, entries, 'submit-v2'));
    }
    const stages = stageMeans(await (await fetch(`${cairn.url}/metrics`)).text());
    const c = sumRounds(cRounds);
    const b = sumRounds(bRounds);
    const us = (seconds: number, n: number): number => round((seconds * 1e6) / n);
    const c2 = sumRounds(c2Rounds);
    const b2 = sumRounds(b2Rounds);
    const v2Figures = {
      rounds: SUBMIT_ROUNDS,
      entriesPerSec: round(c2.perSec),
      baselinePerSec: round(b2.perSec),
      ratio: round(c2.perSec / b2.perSec, 3),
      ratioToV1: round(c2.perSec / c.perSec, 3),
      p50Ms: round(c2.p50Ms, 2),
      p99Ms: round(c2.p99Ms, 2),
      errors: c2.errors,
      accepted: c2.ok,
      serverCpuUsPerEntry: us(cpuTotal(c2.cpu), c2.ok),
      serverMainCpuUsPerEntry: us(c2.cpu.main, c2.ok),
      serverWorkersCpuUsPerEntry: us(c2.cpu.workers, c2.ok),
      serverStorageCpuUsPerEntry: us(c2.cpu.storage, c2.ok),
      serverOtherCpuUsPerEntry: us(c2.cpu.other, c2.ok),
      baselineServerCpuUsPerReq: us(cpuTotal(b2.cpu), b2.ok),
    };
    results['submit'] = {
      rounds: SUBMIT_ROUNDS,
      entriesPerSec: round(c.perSec),
      baselinePerSec: round(b.perSec),
      ratio: round(c.perSec / b.perSec, 3),
      p50Ms: round(c.p50Ms, 2),
      p99Ms: round(c.p99Ms, 2),
      errors: c.errors,
      accepted: c.ok,
      // Where the time and the CPU went: mean ms per accepted entry in each server stage
      // (from /metrics), server CPU (all threads, then by thread: the event loop, the worker
      // pool's threads, SQLite's checkpoint thread, the rest: libuv's pool, V8's GC
      // and compiler threads) and load-generator CPU per request.
      admissionMs: round(stages['admission'] ?? NaN, 2),
      sequencingMs: round(stages['sequencing'] ?? NaN, 2),
      // The v1 log's batches (/metrics feeds them from the v1 log only): mean entries per batch, mean ms per batch in each commit step.
      meanBatchEntries: round(stages['batchEntries'] ?? NaN, 1),
      batchStepsMs: BATCH_STEPS.map((s) => `${s} ${round(stages[`step:${s}`] ?? NaN, 2)}`).join(', '),
      serverCpuUsPerEntry: us(cpuTotal(c.cpu), c.ok),
      serverMainCpuUsPerEntry: us(c.cpu.main, c.ok),
      serverWorkersCpuUsPerEntry: us(c.cpu.workers, c.ok),
      serverStorageCpuUsPerEntry: us(c.cpu.storage, c.ok),
      serverOtherCpuUsPerEntry: us(c.cpu.other, c.ok),
      clientCpuUsPerReq: round(c.clientCpuUsPerReq),
      baselineServerCpuUsPerReq: us(cpuTotal(b.cpu), b.ok),
      baselineClientCpuUsPerReq: round(b.clientCpuUsPerReq),
    };
    results['submitV2'] = v2Figures;
  } finally {
    await cairn.stop();
    await base.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const BATCH_STEPS = ['pool', 'sign', 'order', 'commit', 'sync', 'publish'];

/**
 * Mean ms per accepted submission in each stage (`cairn_submit_stage_seconds`
 * of /metrics), and per published batch: mean entries (`batchEntries`) and ms
 * in each commit step (`step:<name>`, `cairn_batch_step_seconds`).
 */
function stageMeans(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  const mean = (series: string): number => {
    const at = (suffix: string): number => Number(new RegExp(`^${series.replace('{', `${suffix}\\{`)} (\\S+)$`, 'm').exec(metrics)?.[1]);
    return at('_sum') / at('_count');
  };
  for (const stage of ['admission', 'sequencing']) out[stage] = mean(`cairn_submit_stage_seconds{stage="${stage}"}`) * 1000;
  out['batchEntries'] = Number(/^cairn_batch_entries_sum (\S+)$/m.exec(metrics)?.[1]) / Number(/^cairn_batch_entries_count (\S+)$/m.exec(metrics)?.[1]);
  for (const s of BATCH_STEPS) out[`step:${s}`] = mean(`cairn_batch_step_seconds{step="${s}"}`) * 1000;
  return out;
}

async function read(): Promise<void> {
  const dir = tempDir('read');
  try {
    const data = join(dir, 'data');
    const opened = await openLogFromConfig(loadConfig({ overrides: { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536 } }), undefined, {
      signEntryTimestamps: false,
    });
    await growTo(opened.log, P.readSize, 32_768);
    await opened.log.close();
    await opened.store.close();
    const cairn = await startCairn(data);
    let entries: LoadResult;
    let tiles: LoadResult;
    let entryBytes: number;
    try {
      entryBytes = (await (await fetch(`${cairn.url}/api/v1/log/entries?logIndex=${Math.floor(P.readSize / 2)}`)).arrayBuffer()).byteLength;
      entries = await loadgen(['read', cairn.url, String(P.readSecs), '64', String(P.readSize), 'entries']);
      tiles = await loadgen(['read', cairn.url, String(P.readSecs), '64', String(P.readSize), 'tiles']);
    } finally {
      await cairn.stop();
    }
    const base = await startBaseline(entryBytes);
    let bEntries: LoadResult;
    let bTiles: LoadResult;
    try {
      bEntries = await loadgen(['read', base.url, String(P.readSecs), '64', String(P.readSize), 'entries']);
      bTiles = await loadgen(['read', base.url, String(P.readSecs), '64', String(P.readSize), 'tiles']);
    } finally {
      await base.stop();
    }
    results['read'] = {
      size: P.readSize,
      entryResponseBytes: entryBytes,
      proofsPerSec: round(entries.perSec),
      baselinePerSec: round(bEntries.perSec),
      ratio: round(entries.perSec / bEntries.perSec, 3),
      p99Ms: round(entries.p99Ms, 2),
      errors: entries.errors + tiles.errors,
      tilesPerSec: round(tiles.perSec),
      tilesBaselinePerSec: round(bTiles.perSec),
      tilesRatio: round(tiles.perSec / bTiles.perSec, 3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latency(): Promise<void> {
  const dir = tempDir('latency');
  try {
    const cairn = await startCairn(join(dir, 'data'));
    try {
      const r = await loadgen(['steady', cairn.url, String(P.latencySecs), '1000']);
      results['latency'] = { offeredPerSec: 1000, p50Ms: round(r.p50Ms, 2), p99Ms: round(r.p99Ms, 2), errors: r.errors, accepted: r.ok };
    } finally {
      await cairn.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean microseconds per inclusion proof over `n` random indices at the log's current size. */
async function proofCostUs(opened: Awaited<ReturnType<typeof openLogFromConfig>>, n = 20_000): Promise<number> {
  const size = opened.log.reader.latest().size;
  const idx = Array.from({ length: n }, () => Math.floor(Math.random() * size));
  for (let i = 0; i < 1000; i++) await opened.log.reader.inclusionProof(idx[i]!, size); // warm up the JIT, not the data
  const t0 = performance.now();
  for (const i of idx) await opened.log.reader.inclusionProof(i, size);
  return ((performance.now() - t0) * 1000) / n;
}

async function scale(): Promise<void> {
  const dir = tempDir('scale');
  try {
    const data = join(dir, 'data');
    const config = loadConfig({ overrides: { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536 } });
    const opened = await openLogFromConfig(config, undefined, { signEntryTimestamps: false });
    const costs: number[] = [];
    const t0 = performance.now();
    for (const size of P.scaleSizes) {
      await growTo(opened.log, size, 32_768, (s) => {
        if (s % 1_000_000 === 0) log(`  scale: ${s} entries (${round((performance.now() - t0) / 1000)} s)`);
      });
      costs.push(await proofCostUs(opened));
    }
    const growSecs = (performance.now() - t0) / 1000;
    const finalSize = opened.log.reader.latest().size;
    const bytes = await opened.store.sizeOnDisk();
    await opened.log.close();
    await opened.store.close();
    // Restart: the real server process, open + self-check, until it serves.
    const cairn = await startCairn(data);
    let rss: number;
    try {
      await loadgen(['read', cairn.url, '3', '16', String(finalSize), 'entries']);
      rss = await rssMB(cairn.proc.pid ?? 0);
    } finally {
      await cairn.stop();
    }
    const [small, mid, big] = [costs[0]!, costs[1]!, costs[costs.length - 1]!];
    results['scale'] = {
      sizes: P.scaleSizes.join('/'),
      proofUsAt10k: round(small, 2),
      proofUsAt1M: round(mid, 2),
      proofUsAt10M: round(big, 2),
      proofRatio10Mto10k: round(big / small, 3),
      rssMB: round(rss),
      bytesPerEntry: round(bytes / finalSize),
      restartSec: round(cairn.startupMs / 1000, 2),
      growEntriesPerSec: round(finalSize / growSecs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function core(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = join(tmpdir(), `cairn-bench-core-${process.pid}.json`);
  execFileSync(process.execPath, [join(here, '..', 'bench-core.js'), '--entries', QUICK ? '200000' : '1000000', '--json', out], { stdio: ['ignore', 'inherit', 'inherit'] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  results['core'] = JSON.parse(execFileSync('cat', [out]).toString()) as Record<string, number>;
  rmSync(out, { force: true });
}

async function main(): Promise<void> {
  log(`cairn benchmarks (${QUICK ? 'quick' : 'full'}): ${cpus().length} cpus ${cpus()[0]?.model ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const steps: Array<[string, () => Promise<void> | void]> = [
    ['core', core],
    ['submit', submit],
    ['read', read],
    ['latency', latency],
    ['scale', scale],
    ['sign', async () => void (results['sign'] = await imageSigningBench(QUICK, log))],
    ['admission', async () => void (results['admission'] = await admissionBench(QUICK, log))],
    ['logkeys', async () => void (results['logkeys'] = await logKeysBench(QUICK, log))],
    ['storage', async () => void (results['storage'] = await storageBench(QUICK, log))],
    ['migrate', async () => void (results['migrate'] = await migrateBench(QUICK, log))],
    ['postgres', async () => void (results['postgres'] = await postgresBench({ submitSecs: P.submitSecs, readSize: QUICK ? P.readSize : 200_000, readSecs: P.readSecs, log }))],
    ['cluster', async () => void (results['cluster'] = await clusterBench(QUICK, log))],
  ];
  for (const [name, fn] of steps) {
    if (!ONLY.has(name)) continue;
    log(`- ${name}…`);
    await fn();
  }
  process.stdout.write('\nscenario   figure                     value\n');
  for (const [scenario, figures] of Object.entries(results)) {
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`${scenario.padEnd(10)} ${k.padEnd(26)} ${v}\n`);
  }
  if (JSON_FILE !== undefined) writeFileSync(JSON_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
