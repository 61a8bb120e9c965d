/**
 * The crash harness: the real `cairn serve` process under load from
 * many concurrent clients submitting signed hashedrekord entries, SIGKILLed at
 * random moments (a random delay, right after a random number of 201s, and now
 * and then during start-up), restarted on the same data dir, and checked after
 * every restart against everything clients were told (verify.ts). Seeded: the
 * same seed makes the same choices (the moments the kills land at still depend
 * on timing, which is the point).
 *
 * Entries in flight at a kill are resent to the next lifetime: a 409 then
 * means the entry was committed but its answer was lost with the process, a
 * 201 that it was never committed. Both are correct; losing a 201 is not.
 *
 * With `databaseUrl` the server keeps its logs in that PostgreSQL database
 * (`--database-url`) and is the only node on it: a restarted process is a new
 * node that takes the sequencer lease once the killed one's has expired
 * (`leaseTtlMs`), answering writes 503 until then; `checkStore` then also
 * looks at the database itself after every restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intBetween, prng } from '../prng.js';
import { SignedEntryFactory, type SignedEntry } from '../signed-entries.js';
import { getBytes, getJson, httpRequest, keepAliveAgent } from '../http-client.js';
import { Ledger } from './ledger.js';
import { pollCheckpoints, runLoad } from './load.js';
import { spawnServe, type Child } from './process.js';
import { verifyRestartedLog } from './verify.js';

export interface CrashRunOptions {
  /** SIGKILLs under load (each followed by a restart and a full check). */
  readonly kills: number;
  readonly seed?: number;
  /** Concurrent HTTP clients (default 24). */
  readonly concurrency?: number;
  /** Longest load before a kill, ms (default 1200). */
  readonly maxLoadMs?: number;
  /** Fraction of restarts that are themselves killed during start-up (default 0.15). */
  readonly startupKillRate?: number;
  /** Run Go's verify-tiles after each restart when Go is installed (default true). */
  readonly go?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Extra `cairn serve` flags. */
  readonly serverArgs?: readonly string[];
  /** Keep the logs in this PostgreSQL database instead of SQLite files in the data dir. */
  readonly databaseUrl?: string;
  /** --lease-ttl-ms with `databaseUrl` (default 1000): how long a restarted node waits for the killed one's lease. */
  readonly leaseTtlMs?: number;
  /** Called after every restart's check: what is wrong in the store itself (e.g. {@link postgresLogProblems}); MUST be empty. */
  readonly checkStore?: () => Promise<string[]>;
}

export interface CrashReport {
  readonly seed: number;
  readonly kills: number;
  readonly startupKills: number;
  /** Distinct entries acknowledged with 201 over the run. */
  readonly acknowledged: number;
  /** Requests in flight at a kill (answer lost). */
  readonly unanswered: number;
  /** Of those, resent and answered 409: committed before the kill. */
  readonly committedButUnanswered: number;
  /** 503 answers (retried). */
  readonly retried: number;
  readonly checkpointsSeen: number;
  readonly finalTreeSize: number;
  readonly proofsChecked: number;
  readonly goChecks: number;
  readonly lookups: number;
  /** Acknowledged entries missing or changed after a restart: MUST be empty. */
  readonly losses: string[];
  /** Seen checkpoints not consistent with a later tree, bad answers, unexpected statuses: MUST be empty. */
  readonly inconsistencies: string[];
  readonly durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runCrashTest(o: CrashRunOptions): Promise<CrashReport> {
  const started = Date.now();
  const seed = o.seed ?? 1;
  const rnd = prng(seed);
  const concurrency = o.concurrency ?? 24;
  const maxLoadMs = o.maxLoadMs ?? 1200;
  const log = o.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
  const database = o.databaseUrl === undefined ? [] : ['--database-url', o.databaseUrl, '--lease-ttl-ms', String(o.leaseTtlMs ?? 1000)];
  const args = ['--data-dir', join(dir, 'data'), '--public-url', 'http://crash.test', ...database, ...(o.serverArgs ?? [])];
  const losses: string[] = [];
  const inconsistencies: string[] = [];
  const totals = { startupKills: 0, unanswered: 0, committedButUnanswered: 0, retried: 0, proofsChecked: 0, goChecks: 0, lookups: 0, finalTreeSize: 0 };
  let srv: Child | undefined;
  try {
    srv = spawnServe(args);
    let url = await srv.serving;
    const vkey = (await getBytes(url, '/api/v1/log/vkey')).toString('utf8').trim();
    const treeIdHex = BigInt((await getJson<{ treeID: string }>(url, '/api/v1/log')).treeID).toString(16).padStart(16, '0');
    const ledger = new Ledger(vkey, treeIdHex);
    const factory = new SignedEntryFactory(`crash run ${seed}`);
    let resend: SignedEntry[] = [];

    for (let epoch = 0; epoch < o.kills; epoch++) {
      // Load, then a SIGKILL at a random moment.
      const agent = keepAliveAgent(concurrency + 2);
      let stopped = false;
      let kill!: () => void;
      const killed = new Promise<void>((r) => (kill = r));
      const afterAcks = rnd() < 0.5 ? intBetween(rnd, 1, 300) : 0;
      const delay = intBetween(rnd, 50, maxLoadMs);
      let created = 0;
      const loaded = runLoad({
        url, agent, concurrency, factory, ledger, epoch, resend,
        stopped: () => stopped,
        onCreated: () => {
          if (afterAcks > 0 && ++created >= afterAcks) kill();
        },
      });
      const polled = pollCheckpoints(url, agent, ledger, epoch, () => stopped);
      const timer = setTimeout(kill, afterAcks > 0 ? maxLoadMs * 2 : delay);
      await killed;
      clearTimeout(timer);
      await srv.kill();
      stopped = true;
      const load = await loaded;
      await polled;
      agent.destroy();
      resend = load.unanswered;
      totals.unanswered += load.unanswered.length;
      totals.committedButUnanswered += load.duplicates;
      totals.retried += load.retried;
      for (const u of load.unexpected) inconsistencies.push(`lifetime ${epoch}: unexpected answer ${u}`);

      // Restart on the same data dir, sometimes killing the first attempt during start-up.
      if (rnd() < (o.startupKillRate ?? 0.15)) {
        const early = spawnServe(args);
        await sleep(intBetween(rnd, 0, 400));
        await early.kill();
        totals.startupKills++;
      }
      srv = spawnServe(args);
      url = await srv.serving;

      const vagent = keepAliveAgent(4);
      const v = await verifyRestartedLog({ url, agent: vagent, vkey, treeIdHex, ledger, epoch, rnd, go: o.go ?? true });
      vagent.destroy();
      losses.push(...v.losses.map((l) => `after kill ${epoch + 1}: ${l}`));
      inconsistencies.push(...v.inconsistencies.map((l) => `after kill ${epoch + 1}: ${l}`));
      if (o.checkStore !== undefined) inconsistencies.push(...(await o.checkStore()).map((l) => `after kill ${epoch + 1}, in the store: ${l}`));
      totals.proofsChecked += v.proofsChecked;
      totals.lookups += v.lookups;
      if (v.goChecked) totals.goChecks++;
      totals.finalTreeSize = v.treeSize;
      log(
        `kill ${epoch + 1}/${o.kills}${afterAcks > 0 ? ` after ${afterAcks} acks` : ` after ${delay} ms`}: ` +
          `+${load.created} created, ${load.unanswered.length} in flight, tree ${v.treeSize}, ` +
          `losses ${losses.length}, inconsistencies ${inconsistencies.length + ledger.problems.length}`,
      );
    }

    // Settle the entries still unanswered, then a clean stop.
    const agent = keepAliveAgent(2);
    for (const e of resend) {
      for (let attempt = 0; ; attempt++) {
        const r = await httpRequest(url, 'POST', '/api/v1/log/entries', { agent, body: e.json });
        if (r.status === 201) ledger.recordCreated(JSON.parse(r.body.toString('utf8')), o.kills);
        else if (r.status === 409) totals.committedButUnanswered++;
        else if (r.status === 503 && attempt < 100) {
          // A restarted node on PostgreSQL sequences once the killed node's lease has expired.
          totals.retried++;
          await sleep(50);
          continue;
        } else inconsistencies.push(`final resend: unexpected ${r.status}`);
        break;
      }
    }
    agent.destroy();
    srv.child.kill('SIGTERM');
    const exit = await srv.exited;
    if (exit.code !== 0) inconsistencies.push(`SIGTERM: exit ${JSON.stringify(exit)}`);
    inconsistencies.push(...ledger.problems);
    return {
      seed,
      kills: o.kills,
      ...totals,
      acknowledged: ledger.acks.size,
      checkpointsSeen: [...ledger.seen.values()].reduce((n, m) => n + m.size, 0),
      losses,
      inconsistencies,
      durationMs: Date.now() - started,
    };
  } finally {
    await srv?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as one line of text. */
export function formatCrashReport(r: CrashReport): string {
  return (
    `kills=${r.kills} (+${r.startupKills} during start-up) acknowledged=${r.acknowledged} losses=${r.losses.length} ` +
    `inconsistencies=${r.inconsistencies.length} unanswered=${r.unanswered} committed-but-unanswered=${r.committedButUnanswered} ` +
    `retried503=${r.retried} checkpoints-seen=${r.checkpointsSeen} final-tree-size=${r.finalTreeSize} proofs=${r.proofsChecked} ` +
    `lookups=${r.lookups} go-checks=${r.goChecks} seed=${r.seed} duration=${(r.durationMs / 1000).toFixed(1)}s`
  );
}
