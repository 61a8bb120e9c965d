/**
 * The crash campaign on PostgreSQL: several `cairn serve` nodes on one
 * database (../cluster.ts) under load from clients spread over all of them;
 * the node that sequences is SIGKILLed at random moments (a random delay, or
 * right after a random number of 201s), another takes over, the killed node
 * is started again as a standby, and after every takeover the log is checked
 * against everything clients were told (verify.ts, through the new
 * sequencer). Seeded, as harness.ts.
 *
 * Takeover time is measured from the SIGKILL to the moment a surviving node
 * reports itself the sequencer on /healthz (polled every 25 ms); the write
 * outage from the SIGKILL to the first 201 received once the killed process
 * had exited (answers it wrote before dying may still arrive through a
 * follower for a few milliseconds).
 */
import { intBetween, prng } from '../prng.js';
import { SignedEntryFactory, type SignedEntry } from '../signed-entries.js';
import { getBytes, getJson, httpRequest, keepAliveAgent } from '../http-client.js';
import { TestCluster } from '../cluster.js';
import { Ledger } from './ledger.js';
import { pollCheckpoints, runLoad, type LoadResult } from './load.js';
import { verifyRestartedLog } from './verify.js';

export interface ClusterCrashOptions {
  readonly databaseUrl: string;
  /** Nodes on the database (≥ 2). */
  readonly nodes: number;
  readonly kills: number;
  readonly leaseTtlMs: number;
  readonly seed?: number;
  /** Concurrent HTTP clients over all nodes (default 24). */
  readonly concurrency?: number;
  /** Longest load before a kill, ms (default 1200). */
  readonly maxLoadMs?: number;
  /** Run Go's verify-tiles after each takeover when Go is installed (default true). */
  readonly go?: boolean;
  readonly log?: (line: string) => void;
}

export interface ClusterCrashReport {
  readonly seed: number;
  readonly nodes: number;
  readonly kills: number;
  readonly acknowledged: number;
  readonly unanswered: number;
  readonly committedButUnanswered: number;
  readonly retried: number;
  readonly checkpointsSeen: number;
  readonly finalTreeSize: number;
  readonly proofsChecked: number;
  readonly goChecks: number;
  /** ms from each SIGKILL to a survivor reporting itself the sequencer. */
  readonly takeoverMs: number[];
  /** ms from each SIGKILL to the next 201. */
  readonly outageMs: number[];
  readonly losses: string[];
  readonly inconsistencies: string[];
  readonly durationMs: number;
}

export async function runClusterCrashTest(o: ClusterCrashOptions): Promise<ClusterCrashReport> {
  const started = Date.now();
  const seed = o.seed ?? 1;
  const rnd = prng(seed);
  const concurrency = o.concurrency ?? 24;
  const maxLoadMs = o.maxLoadMs ?? 1200;
  const log = o.log ?? (() => undefined);
  const losses: string[] = [];
  const inconsistencies: string[] = [];
  const totals = { unanswered: 0, committedButUnanswered: 0, retried: 0, proofsChecked: 0, goChecks: 0, finalTreeSize: 0 };
  const takeoverMs: number[] = [];
  const outageMs: number[] = [];
  const cluster = await TestCluster.start({ databaseUrl: o.databaseUrl, nodes: o.nodes, leaseTtlMs: o.leaseTtlMs });
  try {
    let leader = await cluster.sequencer();
    if (leader === undefined) throw new Error('no node became the sequencer');
    const first = cluster.urls[leader]!;
    const vkey = (await getBytes(first, '/api/v1/log/vkey')).toString('utf8').trim();
    const treeIdHex = BigInt((await getJson<{ treeID: string }>(first, '/api/v1/log')).treeID).toString(16).padStart(16, '0');
    const ledger = new Ledger(vkey, treeIdHex);
    const factory = new SignedEntryFactory(`cluster crash run ${seed}`);
    let resend: SignedEntry[] = [];

    for (let epoch = 0; epoch < o.kills; epoch++) {
      const killed = leader;
      // Load on every node, each client sticking to one node.
      const agent = keepAliveAgent(concurrency + 8);
      let stopped = false;
      let kill!: () => void;
      const killNow = new Promise<void>((r) => (kill = r));
      const afterAcks = rnd() < 0.5 ? intBetween(rnd, 1, 300) : 0;
      const delay = intBetween(rnd, 50, maxLoadMs);
      let created = 0;
      let killedAt: number | undefined;
      let exitedAt: number | undefined;
      let firstAfter: number | undefined;
      const urls = cluster.liveUrls();
      const share = (i: number): SignedEntry[] => resend.filter((_, k) => k % urls.length === i);
      const loads: Array<Promise<LoadResult>> = urls.map((url, i) =>
        runLoad({
          url, agent, factory, ledger, epoch, resend: share(i),
          concurrency: Math.max(1, Math.round(concurrency / urls.length)),
          stopped: () => stopped,
          onCreated: () => {
            if (exitedAt !== undefined && performance.now() > exitedAt + 20) firstAfter ??= performance.now();
            if (afterAcks > 0 && ++created >= afterAcks) kill();
          },
        }),
      );
      const polled = urls.map((url) => pollCheckpoints(url, agent, ledger, epoch, () => stopped, 50));
      const timer = setTimeout(kill, afterAcks > 0 ? maxLoadMs * 2 : delay);
      await killNow;
      clearTimeout(timer);
      killedAt = performance.now();
      await cluster.kill(killed);
      exitedAt = performance.now();
      const next = await cluster.sequencer(60_000);
      if (next === undefined) throw new Error(`no node took over within 60 s of kill ${epoch + 1}`);
      takeoverMs.push(performance.now() - killedAt);
      leader = next;
      // Let the clients of the survivors get their retried entries answered by the new sequencer.
      const settle = performance.now() + 2_000;
      while (firstAfter === undefined && performance.now() < settle) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 200));
      stopped = true;
      const results = await Promise.all(loads);
      await Promise.all(polled);
      agent.destroy();
      outageMs.push(firstAfter === undefined ? Number.NaN : firstAfter - killedAt);
      resend = results.flatMap((r) => r.unanswered);
      totals.unanswered += resend.length;
      for (const r of results) {
        totals.committedButUnanswered += r.duplicates;
        totals.retried += r.retried;
        for (const u of r.unexpected) inconsistencies.push(`kill ${epoch + 1}: unexpected answer ${u}`);
      }

      // The killed node comes back as a standby; the log is checked through the new sequencer.
      await cluster.startNode(killed);
      const vagent = keepAliveAgent(4);
      const v = await verifyRestartedLog({ url: cluster.urls[leader]!, agent: vagent, vkey, treeIdHex, ledger, epoch, rnd, go: o.go ?? true });
      vagent.destroy();
      losses.push(...v.losses.map((l) => `after kill ${epoch + 1}: ${l}`));
      inconsistencies.push(...v.inconsistencies.map((l) => `after kill ${epoch + 1}: ${l}`));
      totals.proofsChecked += v.proofsChecked;
      if (v.goChecked) totals.goChecks++;
      totals.finalTreeSize = v.treeSize;
      log(
        `kill ${epoch + 1}/${o.kills} of node ${killed}${afterAcks > 0 ? ` after ${afterAcks} acks` : ` after ${delay} ms`}: ` +
          `node ${leader} took over in ${Math.round(takeoverMs[takeoverMs.length - 1]!)} ms, first 201 after ${Math.round(outageMs[outageMs.length - 1]!)} ms; ` +
          `tree ${v.treeSize}, losses ${losses.length}, inconsistencies ${inconsistencies.length + ledger.problems.length}`,
      );
    }

    // Settle the entries still unanswered through the sequencer.
    const agent = keepAliveAgent(2);
    for (const e of resend) {
      for (let attempt = 0; ; attempt++) {
        const r = await httpRequest(cluster.urls[leader]!, 'POST', '/api/v1/log/entries', { agent, body: e.json });
        if (r.status === 201) ledger.recordCreated(JSON.parse(r.body.toString('utf8')), o.kills);
        else if (r.status === 409) totals.committedButUnanswered++;
        else if (r.status === 503 && attempt < 50) {
          await new Promise((res) => setTimeout(res, 100));
          continue;
        } else inconsistencies.push(`final resend: unexpected ${r.status}`);
        break;
      }
    }
    agent.destroy();
    inconsistencies.push(...ledger.problems);
    return {
      seed,
      nodes: o.nodes,
      kills: o.kills,
      ...totals,
      acknowledged: ledger.acks.size,
      checkpointsSeen: [...ledger.seen.values()].reduce((n, m) => n + m.size, 0),
      takeoverMs,
      outageMs,
      losses,
      inconsistencies,
      durationMs: Date.now() - started,
    };
  } finally {
    await cluster.stop();
  }
}

/** The p-th percentile (0–100, nearest rank) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The figures as one line of text. */
export function formatClusterCrashReport(r: ClusterCrashReport): string {
  const ms = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${Math.round(x)} ms`);
  return (
    `nodes=${r.nodes} kills=${r.kills} acknowledged=${r.acknowledged} losses=${r.losses.length} inconsistencies=${r.inconsistencies.length} ` +
    `takeover p50=${ms(percentile(r.takeoverMs, 50))} p99=${ms(percentile(r.takeoverMs, 99))} max=${ms(Math.max(...r.takeoverMs))} ` +
    `first-201 p50=${ms(percentile(r.outageMs, 50))} p99=${ms(percentile(r.outageMs, 99))} ` +
    `unanswered=${r.unanswered} committed-but-unanswered=${r.committedButUnanswered} retried503=${r.retried} ` +
    `checkpoints-seen=${r.checkpointsSeen} final-tree-size=${r.finalTreeSize} proofs=${r.proofsChecked} go-checks=${r.goChecks} ` +
    `seed=${r.seed} duration=${(r.durationMs / 1000).toFixed(1)}s`
  );
}
