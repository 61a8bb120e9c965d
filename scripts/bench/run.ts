/**
 * `npm run bench [-- --quick] [--json FILE] [--only submit,read,latency,scale,core]`
 *
 * Every figure is printed beside a baseline measured in the same run, because
 * these machines are shared and noisy: ratios hold, absolute times don't.
 *  - submit:  64 connections POSTing unique signed hashedrekord entries to `cairn serve`
 *             vs the same bodies to an express route that parses them and answers 201.
 *  - read:    random GET entries?logIndex=N (with proof) and random full tiles on a log of
 *             ≥1M entries vs express GETs returning bodies of the same size.
 *  - latency: steady 1,000 entries/s; time from request to the signed checkpoint that
 *             includes the entry (the 201 comes only after it).
 *  - scale:   grow to 10M through the core append path; proof cost at 10k, 1M, 10M;
 *             server RSS; bytes on disk per entry; restart (open + self-check) time.
 *  - core:    in-process appends and proofs vs raw SQLite (scripts/bench-core.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLogFromConfig } from '../../src/cli/open-log.js';
import { loadConfig } from '../../src/config/index.js';
import { growTo } from './grow.js';
import { cpuSeconds, loadgen, rssMB, startBaseline, startCairn, threadCpuSeconds, type LoadResult, type ThreadCpu } from './procs.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const JSON_FILE = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
const onlyAt = argv.indexOf('--only');
const ONLY = new Set((onlyAt >= 0 ? (argv[onlyAt + 1] ?? '') : 'submit,read,latency,scale').split(','));

const P = QUICK
  ? { submitSecs: 8, readSize: 100_000, readSecs: 5, latencySecs: 8, scaleSizes: [10_000, 100_000, 300_000] }
  : { submitSecs: 20, readSize: 1_000_000, readSecs: 10, latencySecs: 20, scaleSizes: [10_000, 1_000_000, 10_000_000] };

const results: Record<string, Record<string, number | string>> = {};
const round = (x: number, d = 1): number => Number(x.toFixed(d));
const log = (s: string): void => void process.stderr.write(`${s}\n`);

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `cairn-bench-${tag}-`));
}

async function submit(): Promise<void> {
  const dir = tempDir('submit');
  try {
    const entries = String(P.submitSecs * 9000);
    const cairn = await startCairn(join(dir, 'data'));
    let c: LoadResult;
    let serverCpu: number;
    let threads: ThreadCpu;
    let stages: Record<string, number>;
    try {
      const pid = cairn.proc.pid ?? 0;
      const [cpu0, threads0] = [await cpuSeconds(pid), await threadCpuSeconds(pid)];
      c = await loadgen(['submit', cairn.url, String(P.submitSecs), '64', entries]);
      const threads1 = await threadCpuSeconds(pid);
      serverCpu = (await cpuSeconds(pid)) - cpu0;
      threads = { main: threads1.main - threads0.main, workers: threads1.workers - threads0.workers, other: threads1.other - threads0.other };
      stages = stageMeans(await (await fetch(`${cairn.url}/metrics`)).text());
    } finally {
      await cairn.stop();
    }
    const base = await startBaseline(0);
    let b: LoadResult;
    let baseCpu: number;
    try {
      const cpu0 = await cpuSeconds(base.proc.pid ?? 0);
      b = await loadgen(['submit', base.url, String(P.submitSecs), '64', entries]);
      baseCpu = (await cpuSeconds(base.proc.pid ?? 0)) - cpu0;
    } finally {
      await base.stop();
    }
    results['submit'] = {
      entriesPerSec: round(c.perSec),
      baselinePerSec: round(b.perSec),
      ratio: round(c.perSec / b.perSec, 3),
      p50Ms: round(c.p50Ms, 2),
      p99Ms: round(c.p99Ms, 2),
      errors: c.errors,
      accepted: c.ok,
      // Where the time and the CPU went: mean ms per accepted entry in each server stage
      // (from /metrics), server CPU (all threads) and load-generator CPU per request.
      admissionMs: round(stages['admission'] ?? NaN, 2),
      sequencingMs: round(stages['sequencing'] ?? NaN, 2),
      serverCpuUsPerEntry: round((serverCpu * 1e6) / c.ok),
      // The same split by thread (/proc/<pid>/task): the event loop, the worker pool (admission, signing), the rest (libuv, GC).
      serverMainCpuUsPerEntry: round((threads.main * 1e6) / c.ok),
      serverWorkersCpuUsPerEntry: round((threads.workers * 1e6) / c.ok),
      serverOtherCpuUsPerEntry: round((threads.other * 1e6) / c.ok),
      clientCpuUsPerReq: round(c.clientCpuUsPerReq ?? NaN),
      baselineServerCpuUsPerReq: round((baseCpu * 1e6) / b.ok),
      baselineClientCpuUsPerReq: round(b.clientCpuUsPerReq ?? NaN),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean ms per accepted submission in each stage, from the `cairn_submit_stage_seconds` summary of /metrics. */
function stageMeans(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const stage of ['admission', 'sequencing']) {
    const sum = Number(new RegExp(`^cairn_submit_stage_seconds_sum\\{stage="${stage}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    const count = Number(new RegExp(`^cairn_submit_stage_seconds_count\\{stage="${stage}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    out[stage] = (sum * 1000) / count;
  }
  return out;
}

async function read(): Promise<void> {
  const dir = tempDir('read');
  try {
    const data = join(dir, 'data');
    const opened = openLogFromConfig(loadConfig({ overrides: { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536 } }), undefined, {
      signEntryTimestamps: false,
    });
    await growTo(opened.log, P.readSize, 32_768);
    await opened.log.close();
    opened.store.close();
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
function proofCostUs(opened: ReturnType<typeof openLogFromConfig>, n = 20_000): number {
  const size = opened.log.reader.latest().size;
  const idx = Array.from({ length: n }, () => Math.floor(Math.random() * size));
  for (let i = 0; i < 1000; i++) opened.log.reader.inclusionProof(idx[i]!, size); // warm up the JIT, not the data
  const t0 = performance.now();
  for (const i of idx) opened.log.reader.inclusionProof(i, size);
  return ((performance.now() - t0) * 1000) / n;
}

async function scale(): Promise<void> {
  const dir = tempDir('scale');
  try {
    const data = join(dir, 'data');
    const config = loadConfig({ overrides: { dataDir: data, publicUrl: 'http://127.0.0.1', batchMaxSize: 8192, poolMaxSize: 65_536 } });
    const opened = openLogFromConfig(config, undefined, { signEntryTimestamps: false });
    const costs: number[] = [];
    const t0 = performance.now();
    for (const size of P.scaleSizes) {
      await growTo(opened.log, size, 32_768, (s) => {
        if (s % 1_000_000 === 0) log(`  scale: ${s} entries (${round((performance.now() - t0) / 1000)} s)`);
      });
      costs.push(proofCostUs(opened));
    }
    const growSecs = (performance.now() - t0) / 1000;
    const finalSize = opened.log.reader.latest().size;
    const bytes = opened.store.sizeOnDisk();
    await opened.log.close();
    opened.store.close();
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
