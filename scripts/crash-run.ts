/**
 * `npm run test:crash -- --kills N [--seed S] [--concurrency C] [--max-load-ms M] [--no-go] [--postgres [--lease-ttl-ms T]]`:
 * the long crash run. Starts the real server, SIGKILLs it N times
 * under concurrent load, restarts it on the same data dir and checks after
 * every restart that no acknowledged entry was lost and that every checkpoint
 * seen before is consistent with the tree after (test/support/crash/).
 * With --postgres the server is one node on a PostgreSQL database (a server
 * started here from Debian's `postgresql`, test/support/postgres.ts),
 * restarted on the same database, and the database is checked too.
 * Prints one progress line per kill and the figures; exits 1 on any loss or
 * inconsistency.
 */
import { formatCrashReport, runCrashTest } from '../test/support/crash/harness.js';
import { postgresLogProblems } from '../test/support/crash/postgres-log.js';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';

function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer`);
  return v;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const pg: TestPostgres | undefined = args.includes('--postgres') ? await startPostgres() : undefined;
  try {
    const databaseUrl = await pg?.createDatabase();
    const report = await runCrashTest({
      kills: flag(args, '--kills', 50),
      seed: flag(args, '--seed', 1),
      concurrency: flag(args, '--concurrency', 24),
      maxLoadMs: flag(args, '--max-load-ms', 1200),
      go: !args.includes('--no-go'),
      log: (line) => process.stdout.write(`${line}\n`),
      ...(databaseUrl === undefined
        ? {}
        : { databaseUrl, leaseTtlMs: flag(args, '--lease-ttl-ms', 1000), checkStore: () => postgresLogProblems(databaseUrl) }),
    });
    process.stdout.write(`\n${formatCrashReport(report)}\n`);
    for (const l of report.losses.slice(0, 20)) process.stdout.write(`LOSS: ${l}\n`);
    for (const l of report.inconsistencies.slice(0, 20)) process.stdout.write(`INCONSISTENCY: ${l}\n`);
    return report.losses.length === 0 && report.inconsistencies.length === 0 ? 0 : 1;
  } finally {
    await pg?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`crash run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
