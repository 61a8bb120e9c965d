/**
 * The load generator: a separate process, so the server under test and the
 * client do not share an event loop. Prints one JSON result line on stdout.
 *
 *   loadgen submit <url> <seconds> <connections> <entries>   closed loop of POST /api/v1/log/entries
 *   loadgen submit-v2 <url> <seconds> <connections> <entries> closed loop of POST /api/v2/log/entries (Rekor v2 requests)
 *   loadgen read <url> <seconds> <connections> <size> <mode> random GET entries?logIndex=N (mode 'entries') or full tiles ('tiles')
 *   loadgen steady <url> <seconds> <rate>                    open loop: <rate> POSTs/s, latency of each
 */
import { Agent, request } from 'node:http';
import { hashedRekordBodies, percentile } from './workload.js';

interface Outcome {
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
}

function send(agent: Agent, url: URL, method: string, path: string, body?: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

function record(o: Outcome, r: { status: number; ms: number }, okStatus: number): void {
  o.statuses[r.status] = (o.statuses[r.status] ?? 0) + 1;
  if (r.status === okStatus) {
    o.ok++;
    o.latenciesMs.push(r.ms);
  } else o.errors++;
}

async function closedLoop(
  url: URL,
  seconds: number,
  connections: number,
  next: (i: number) => { method: string; path: string; body?: string } | undefined,
  okStatus: number,
): Promise<Outcome & { seconds: number; cpuUs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const o: Outcome = { ok: 0, errors: 0, statuses: {}, latenciesMs: [] };
  let i = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const job = next(i++);
        if (job === undefined) break;
        record(o, await send(agent, url, job.method, job.path, job.body), okStatus);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { ...o, seconds: elapsed, cpuUs: cpu.user + cpu.system };
}

async function steady(url: URL, seconds: number, rate: number, bodies: readonly string[]): Promise<Outcome & { seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const o: Outcome = { ok: 0, errors: 0, statuses: {}, latenciesMs: [] };
  const total = Math.min(bodies.length, Math.floor(seconds * rate));
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(agent, url, 'POST', '/api/v1/log/entries', bodies[i]).then((r) => record(o, r, 201)));
  }
  await Promise.all(pending);
  agent.destroy();
  return { ...o, seconds: (performance.now() - t0) / 1000 };
}

/** The result line; `clientCpuUsPerReq` is this process's CPU per completed request (closed loops only). */
function summary(kind: string, r: Outcome & { seconds: number; cpuUs?: number }): string {
  const done = r.ok + r.errors;
  return JSON.stringify({
    ...(r.cpuUs === undefined || done === 0 ? {} : { clientCpuUsPerReq: r.cpuUs / done }),
    kind,
    ok: r.ok,
    errors: r.errors,
    statuses: r.statuses,
    seconds: r.seconds,
    perSec: r.ok / r.seconds,
    p50Ms: percentile(r.latenciesMs, 50),
    p99Ms: percentile(r.latenciesMs, 99),
  });
}

async function main(): Promise<void> {
  const [mode, base, secs, a, b, c] = process.argv.slice(2);
  const url = new URL(base ?? 'http://127.0.0.1:3000');
  const seconds = Number(secs);
  if (mode === 'submit' || mode === 'submit-v2') {
    const v2 = mode === 'submit-v2';
    const bodies = hashedRekordBodies(Number(b), 16, v2 ? 2 : 1);
    const path = v2 ? '/api/v2/log/entries' : '/api/v1/log/entries';
    process.stderr.write(`loadgen: ${bodies.length} signed entries ready\n`);
    const r = await closedLoop(url, seconds, Number(a), (i) => (i < bodies.length ? { method: 'POST', path, body: bodies[i]! } : undefined), 201);
    process.stdout.write(`${summary(mode, r)}\n`);
  } else if (mode === 'read') {
    const size = Number(b);
    const tiles = c === 'tiles';
    const fullTiles = Math.floor(size / 256);
    const r = await closedLoop(
      url,
      seconds,
      Number(a),
      () => {
        if (tiles) {
          const n = Math.floor(Math.random() * fullTiles);
          const groups = String(n).padStart(Math.ceil(String(n).length / 3) * 3, '0').match(/.../g) ?? ['000'];
          return { method: 'GET', path: `/tile/0/${groups.map((g, k) => (k < groups.length - 1 ? `x${g}` : g)).join('/')}` };
        }
        return { method: 'GET', path: `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * size)}` };
      },
      200,
    );
    process.stdout.write(`${summary(tiles ? 'tiles' : 'entries', r)}\n`);
  } else if (mode === 'steady') {
    const rate = Number(a);
    const bodies = hashedRekordBodies(Math.ceil(seconds * rate));
    const r = await steady(url, seconds, rate, bodies);
    process.stdout.write(`${summary('steady', r)}\n`);
  } else {
    throw new Error(`unknown loadgen mode ${String(mode)}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`loadgen failed: ${String(err)}\n`);
  process.exit(1);
});
