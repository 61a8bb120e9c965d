/**
 * A/B of closed-loop submissions (`loadgen submit`, unique ECDSA P-256
 * hashedrekord entries) between builds of `cairn serve` or flags of one
 * build, on SQLite: each round starts every side afresh on a new data
 * directory, warms it up (1 s), loads it for `secs` and stops it; sides take
 * turns, the order reversed every other round, so that every side meets the
 * same background load (this machine's speed moves by up to 2× within
 * minutes: compare sides of the same rounds only).
 *
 *   node dist/scripts/bench/submit-ab.js <rounds> <secs> <side>… [--connections N]
 *
 * A side is `<main.js>[@<serve arg>,…][#<node flag>,…]`, e.g.
 * `dist/src/cli/main.js@--verify-workers,2` or
 * `dist/src/cli/main.js#--single-threaded-gc`.
 *
 * Prints every round, then per side: entries/s (all rounds), p50 and the worst
 * p99, the server's CPU per accepted entry by thread class (procs.ts
 * threadCpuSeconds: the event loop, `cairn-worker`, the checkpoint thread, the
 * rest), and the load generator's CPU per request (which shows how fast the
 * host was).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuDelta, cpuSum, cpuTotal, loadgen, noCpu, startBuild, threadCpuSeconds, type ThreadCpu } from './procs.js';

interface Side {
  readonly name: string;
  readonly mainJs: string;
  readonly args: string[];
  readonly nodeFlags: string[];
}

interface Sum {
  ok: number;
  secs: number;
  errors: number;
  p50Weighted: number;
  p99Ms: number;
  cpu: ThreadCpu;
  clientUs: number;
}

function parseSide(spec: string): Side {
  const [front, flags] = spec.split('#');
  const [path, args] = (front as string).split('@');
  return {
    name: spec,
    mainJs: resolve(path as string),
    args: args === undefined || args === '' ? [] : args.split(','),
    nodeFlags: flags === undefined || flags === '' ? [] : flags.split(','),
  };
}

async function round(side: Side, secs: number, connections: string, dir: string): Promise<{ ok: number; seconds: number; errors: number; p50Ms: number; p99Ms: number; cpu: ThreadCpu; clientUs: number }> {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const server = await startBuild(side.mainJs, dataDir, side.args, side.nodeFlags);
  try {
    await loadgen(['submit', server.url, '1', '16', '2000']); // JIT and the first tiles
    const before = await threadCpuSeconds(server.pid);
    const r = await loadgen(['submit', server.url, String(secs), connections, String(Math.ceil(secs * 9000))]);
    const after = await threadCpuSeconds(server.pid);
    return { ok: r.ok, seconds: r.seconds, errors: r.errors, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpu: cpuDelta(before, after), clientUs: r.clientCpuUsPerReq ?? NaN };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const c = args.indexOf('--connections');
  const connections = c < 0 ? '64' : (args.splice(c, 2)[1] as string);
  const [roundsArg, secsArg, ...specs] = args;
  const rounds = Number(roundsArg);
  const secs = Number(secsArg);
  if (!(rounds >= 1) || !(secs > 0) || specs.length === 0) throw new Error('usage: submit-ab <rounds> <secs> <side>… [--connections N]');
  const sides = specs.map(parseSide);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-submit-ab-'));
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const us = (secondsCpu: number, n: number): string => ((secondsCpu * 1e6) / Math.max(1, n)).toFixed(0);
  const perEntry = (cpu: ThreadCpu, n: number): string =>
    `µs per entry main ${us(cpu.main, n)}, workers ${us(cpu.workers, n)}, storage ${us(cpu.storage, n)}, other ${us(cpu.other, n)}, total ${us(cpuTotal(cpu), n)}`;
  const sums = new Map<string, Sum>(sides.map((s) => [s.name, { ok: 0, secs: 0, errors: 0, p50Weighted: 0, p99Ms: 0, cpu: noCpu(), clientUs: 0 }]));
  const loads: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
        const x = await round(side, secs, connections, dir);
        const sum = sums.get(side.name) as Sum;
        sum.ok += x.ok;
        sum.secs += x.seconds;
        sum.errors += x.errors;
        sum.p50Weighted += x.p50Ms * x.ok;
        sum.p99Ms = Math.max(sum.p99Ms, x.p99Ms);
        sum.cpu = cpuSum(sum.cpu, x.cpu);
        sum.clientUs += x.clientUs * x.ok;
        loads.push(loadavg()[0] as number);
        log(`round ${r + 1} ${side.name}: ${(x.ok / x.seconds).toFixed(0)} entries/s, p50 ${x.p50Ms.toFixed(1)} ms; ${perEntry(x.cpu, x.ok)}; load generator ${x.clientUs.toFixed(0)} µs per request`);
      }
    }
    for (const side of sides) {
      const s = sums.get(side.name) as Sum;
      log(
        `${side.name}: ${(s.ok / s.secs).toFixed(1)} entries/s, p50 ${(s.p50Weighted / Math.max(1, s.ok)).toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms (worst round), ${s.errors} errors; ` +
          `${perEntry(s.cpu, s.ok)}; ` +
          `load generator ${(s.clientUs / Math.max(1, s.ok)).toFixed(0)} µs per request`,
      );
    }
    log(`load average (1 min) over the rounds: ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`submit-ab failed: ${String(err)}\n`);
  process.exit(1);
});
