/** Child processes for the benchmarks: the Cairn server, the baseline server, the load generator. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eachLine } from '../../test/support/lines.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/scripts/bench → dist/src/cli/main.js */
const MAIN_JS = resolve(HERE, '..', '..', 'src', 'cli', 'main.js');

export interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

function waitForLine(proc: ChildProcess, stream: 'stdout' | 'stderr', match: (line: string) => string | undefined): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const lines = eachLine(stream === 'stdout' ? proc.stdout : proc.stderr, (line) => {
      const m = match(line);
      if (m === undefined) return;
      lines.stop();
      resolveLine(m);
    });
    proc.once('exit', (code) => reject(new Error(`process exited (${code}) before it was ready: ${lines.rest()}`)));
  });
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return r();
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    });
}

/** Start `cairn serve` on a loopback port. Resolves when it logs "serving"; `startupMs` is spawn → serving. */
export async function startCairn(dataDir: string, extra: string[] = []): Promise<Child & { startupMs: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--data-dir', dataDir, '--public-url', 'http://127.0.0.1', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await waitForLine(proc, 'stderr', (l) => {
    try {
      const rec = JSON.parse(l) as { msg?: string; url?: string };
      return rec.msg === 'serving' ? rec.url : undefined;
    } catch {
      return undefined;
    }
  });
  proc.stderr?.resume();
  return { proc, url, startupMs: performance.now() - t0, stop: stopper(proc) };
}

/** A `cairn serve` of some build (a dist directory's src/cli/main.js), for A/B scripts. */
export interface BuildServer {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Start `node <nodeFlags> <mainJs> serve` on a loopback port with
 * `dataDir` and `extra` arguments. Resolves when it logs "serving".
 */
export function startBuild(mainJs: string, dataDir: string, extra: readonly string[], nodeFlags: readonly string[] = []): Promise<BuildServer> {
  const proc = spawn(process.execPath, [...nodeFlags, mainJs, 'serve', '--port', '0', '--data-dir', dataDir, '--public-url', 'http://127.0.0.1', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return waitForLine(proc, 'stderr', (l) => {
    try {
      const rec = JSON.parse(l) as { msg?: string; url?: string };
      return rec.msg === 'serving' ? rec.url : undefined;
    } catch {
      return undefined;
    }
  }).then((url) => {
    proc.stderr?.resume();
    return { pid: proc.pid as number, url, stop: stopper(proc) };
  });
}

/** Start the express baseline server. */
export async function startBaseline(entryJsonBytes: number): Promise<Child> {
  const proc = spawn(process.execPath, [join(HERE, 'baseline-server.js'), String(entryJsonBytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await waitForLine(proc, 'stdout', (l) => (l.startsWith('listening ') ? l.slice(10) : undefined));
  return { proc, url: `http://127.0.0.1:${port}`, stop: stopper(proc) };
}

export interface LoadResult {
  kind: string;
  /** The load generator's own CPU per request, µs (closed loops). */
  clientCpuUsPerReq?: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** Run the load generator to completion and parse its result line. */
export function loadgen(args: string[]): Promise<LoadResult> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(process.execPath, [join(HERE, 'loadgen.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`loadgen ${args.join(' ')} exited ${code}`));
      resolveRun(JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult);
    });
  });
}

/**
 * CPU seconds by thread class: the main thread (event loop), Cairn's worker
 * threads (named `cairn-worker`), SQLite's checkpoint thread (`cairn-ckpt`),
 * and the rest (libuv's pool, V8's GC and
 * compiler threads).
 */
export interface ThreadCpu {
  main: number;
  workers: number;
  storage: number;
  other: number;
}

const THREAD_CLASSES = ['main', 'workers', 'storage', 'other'] as const;

/** No CPU in any class: where sums start. */
export function noCpu(): ThreadCpu {
  return { main: 0, workers: 0, storage: 0, other: 0 };
}

/** `after` − `before`, class by class. */
export function cpuDelta(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  const d = noCpu();
  for (const k of THREAD_CLASSES) d[k] = after[k] - before[k];
  return d;
}

/** `a` + `b`, class by class. */
export function cpuSum(a: ThreadCpu, b: ThreadCpu): ThreadCpu {
  const d = noCpu();
  for (const k of THREAD_CLASSES) d[k] = a[k] + b[k];
  return d;
}

/** Every class together. */
export function cpuTotal(c: ThreadCpu): number {
  return c.main + c.workers + c.storage + c.other;
}

/**
 * CPU time of each thread of process `pid` so far, by class (Linux
 * /proc/<pid>/task/<tid>/stat and comm; clock ticks of 1/100 s). Threads that
 * exited in between are not counted.
 */
export async function threadCpuSeconds(pid: number): Promise<ThreadCpu> {
  const { readFile, readdir } = await import('node:fs/promises');
  const out = noCpu();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    let stat: string;
    let comm: string;
    try {
      [stat, comm] = await Promise.all([readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'), readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8')]);
    } catch {
      continue; // the thread exited
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const secs = (Number(rest[11]) + Number(rest[12])) / 100;
    if (Number(tid) === pid) out.main += secs;
    else if (comm.trim() === 'cairn-worker') out.workers += secs;
    else if (comm.trim() === 'cairn-ckpt') out.storage += secs;
    else out.other += secs;
  }
  return out;
}

/** Resident set size of a process in MB (Linux /proc). */
export async function rssMB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}
