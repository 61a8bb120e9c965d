/**
 * `npm run test:crash:pg -- --kills N [--nodes K] [--lease-ttl-ms T] [--seed S] [--concurrency C] [--max-load-ms M] [--no-go]`:
 * the long crash campaign on PostgreSQL. Starts a PostgreSQL server (Debian's
 * `postgresql`, test/support/postgres.ts) and K nodes on one database,
 * SIGKILLs the sequencing node N times under load spread over all nodes,
 * restarts it as a standby, and checks after every takeover that no
 * acknowledged entry was lost and every checkpoint seen is consistent with
 * the tree (test/support/crash/). Prints one line per kill, then the figures
 * with the takeover times (p50, p99); exits 1 on any loss or inconsistency.
 */
import { formatClusterCrashReport, runClusterCrashTest } from '../test/support/crash/cluster-harness.js';
import { startPostgres } from '../test/support/postgres.js';

function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer`);
  return v;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const pg = await startPostgres();
  try {
    const report = await runClusterCrashTest({
      databaseUrl: await pg.createDatabase(),
      nodes: flag(args, '--nodes', 3),
      kills: flag(args, '--kills', 20),
      leaseTtlMs: flag(args, '--lease-ttl-ms', 5000),
      seed: flag(args, '--seed', 1),
      concurrency: flag(args, '--concurrency', 24),
      maxLoadMs: flag(args, '--max-load-ms', 1200),
      go: !args.includes('--no-go'),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`\n${formatClusterCrashReport(report)}\n`);
    process.stdout.write(`takeover ms: ${report.takeoverMs.map(Math.round).join(' ')}\n`);
    for (const l of report.losses.slice(0, 20)) process.stdout.write(`LOSS: ${l}\n`);
    for (const l of report.inconsistencies.slice(0, 20)) process.stdout.write(`INCONSISTENCY: ${l}\n`);
    return report.losses.length === 0 && report.inconsistencies.length === 0 ? 0 : 1;
  } finally {
    await pg.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cluster crash run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
