/**
 * `npm run bench -- --only admission`: the admission webhook's latency for a
 * 5-container Pod, all real parts: a docker-registry process, a `cairn serve`
 * log, five images signed (legacy and bundle, with the functions `cairn sign`
 * runs), and the `cairn admit` process over TLS, called by a keep-alive
 * HTTPS client trusting the test CA. Each request is one AdmissionReview to
 * /validate; the policy checks online (a fresh inclusion proof per
 * signature) and every request resolves the five tags (a moved tag is seen
 * at once).
 *  - cold: `--cache-ttl-ms 0`, so every request verifies all five images from
 *          scratch (registry reads, signatures, log proofs);
 *  - warm: the default cache: the digests were verified before, each request
 *          resolves the tags and finds them verified;
 *  - warm, tag TTL: the same with `--tag-ttl-ms 60000`: the tags' digests are
 *          reused too, so a request makes no registry call;
 *  - admissions/s: warm (and warm with the tag TTL), 16 requests in flight for a few seconds;
 *  - baseline: one registry manifest HEAD, and five at once (the registry round
 *          trips a warm request needs), and one HTTPS GET /healthz of the
 *          webhook (TLS, parsing, dispatch).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RekorClient } from '../../src/client/index.js';
import { signBundle, signLegacy } from '../../src/cli/image-signer.js';
import { generateSigningKeyFiles, openSigningKey } from '../../src/keys/index.js';
import { RegistryClient, parseImageReference } from '../../src/oci/index.js';
import { testCaAndServer } from '../../test/support/certs.js';
import { pushTestImage } from '../../test/support/images.js';
import { admissionReview, workload } from '../../test/support/kube-objects.js';
import { startRegistry } from '../../test/support/registry.js';
import { startCommand, type ServerProcess } from '../../test/support/server-process.js';
import { startCairn } from './procs.js';
import { msPercentiles } from './workload.js';

const CONTAINERS = 5;


/** One HTTPS request on `agent`; resolves with the status and body. */
function call(agent: Agent, url: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: body === undefined ? 'GET' : 'POST', agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls of `f` per second with 16 in flight for `secs`. */
async function throughput(secs: number, f: () => Promise<void>): Promise<number> {
  let done = 0;
  const t0 = performance.now();
  const until = t0 + secs * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < until) {
        await f();
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

/** Times `n` sequential calls of `f`, ms each. */
async function timedRuns(n: number, f: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function admissionBench(quick: boolean, log: (s: string) => void): Promise<Record<string, number | string>> {
  const coldRuns = quick ? 20 : 100;
  const warmRuns = quick ? 200 : 1000;
  const loadSecs = quick ? 3 : 8;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-admission-'));
  const registry = await startRegistry();
  const cairn = await startCairn(join(dir, 'data'));
  const client = new RegistryClient({ insecure: true });
  const files = generateSigningKeyFiles(join(dir, 'signer.pem'));
  const key = await openSigningKey(files.privatePath);
  const webhooks: ServerProcess[] = [];
  try {
    writeFileSync(join(dir, 'log.pub'), await (await fetch(`${cairn.url}/api/v1/log/publicKey`)).text());
    log(`  pushing and signing ${CONTAINERS} images`);
    const images: string[] = [];
    const rekor = new RekorClient(cairn.url);
    for (let i = 0; i < CONTAINERS; i++) {
      const text = `${registry.host}/bench/app${i}:v1`;
      const ref = parseImageReference(text);
      await pushTestImage(client, ref, { seed: `admission bench ${i} ${process.pid}` });
      const target = await client.resolve(ref);
      const ctx = { registry: client, log: rekor, key, ref, now: () => new Date(), progress: () => {} };
      await signLegacy(ctx, target, {});
      await signBundle(ctx, target, {});
      images.push(text);
    }
    writeFileSync(join(dir, 'policy.yaml'), `rules:\n  - images: ["${registry.host}/bench/**"]\n    keys: [signer.pub]\n    log: {publicKey: log.pub, url: "${cairn.url}"}\n    insecureRegistry: true\n`);
    const { ca, server } = testCaAndServer(dir);
    const admit = (extra: string[]): Promise<ServerProcess> =>
      startCommand('admit', ['--policy', join(dir, 'policy.yaml'), '--tls-cert', server.certFile, '--tls-key', server.keyFile, ...extra]).then((p) => (webhooks.push(p), p));
    const agent = new Agent({ keepAlive: true, ca: readFileSync(ca.certFile), maxSockets: 16 });
    const pod = JSON.stringify(admissionReview(workload('Pod', 'bench', 'prod', { containers: images })));
    const admitOnce = (url: string) => async (): Promise<void> => {
      const r = await call(agent, url, '/validate', pod);
      if (r.status !== 200 || !(JSON.parse(r.text) as { response: { allowed: boolean } }).response.allowed) throw new Error(`bench: not admitted: ${r.status} ${r.text}`);
    };

    log(`  cold: ${coldRuns} admissions with the cache off`);
    const cold = await admit(['--cache-ttl-ms', '0']);
    await admitOnce(cold.url)(); // one connection and JIT warm-up; not the cache, which is off
    const coldMs = await timedRuns(coldRuns, admitOnce(cold.url));

    log(`  warm: ${warmRuns} admissions with the digests cached`);
    const warm = await admit([]);
    await admitOnce(warm.url)();
    const warmMs = await timedRuns(warmRuns, admitOnce(warm.url));

    log(`  warm with --tag-ttl-ms 60000: ${warmRuns} admissions`);
    const tagged = await admit(['--tag-ttl-ms', '60000']);
    await admitOnce(tagged.url)();
    const taggedMs = await timedRuns(warmRuns, admitOnce(tagged.url));

    log(`  throughput: 16 in flight for ${loadSecs} s (warm, then warm with the tag TTL)`);
    const perSec = await throughput(loadSecs, admitOnce(warm.url));
    const taggedPerSec = await throughput(loadSecs, admitOnce(tagged.url));

    log('  baselines: registry manifest HEAD, webhook GET /healthz');
    const refs = images.map((i) => parseImageReference(i));
    const head = await timedRuns(warmRuns, async () => {
      await client.resolve(refs[0]!);
    });
    const heads = await timedRuns(warmRuns, async () => {
      await Promise.all(refs.map((r) => client.resolve(r)));
    });
    const healthz = await timedRuns(warmRuns, async () => {
      await call(agent, warm.url, '/healthz');
    });
    const metrics = (await call(agent, warm.url, '/metrics')).text;
    agent.destroy();
    const c = msPercentiles(coldMs);
    const w = msPercentiles(warmMs);
    const h = msPercentiles(head);
    const h5 = msPercentiles(heads);
    const t = msPercentiles(taggedMs);
    const hz = msPercentiles(healthz);
    return {
      containers: CONTAINERS,
      coldP50Ms: c.p50,
      coldP99Ms: c.p99,
      warmP50Ms: w.p50,
      warmP99Ms: w.p99,
      warmAdmissionsPerSec: Number(perSec.toFixed(1)),
      warmTagTtlP50Ms: t.p50,
      warmTagTtlP99Ms: t.p99,
      warmTagTtlAdmissionsPerSec: Number(taggedPerSec.toFixed(1)),
      baselineHeadP50Ms: h.p50,
      baselineHeadP99Ms: h.p99,
      baseline5HeadsP50Ms: h5.p50,
      baseline5HeadsP99Ms: h5.p99,
      baselineHealthzP50Ms: hz.p50,
      baselineHealthzP99Ms: hz.p99,
      warmCacheHits: Number(/^cairn_admit_cache_hits_total (\S+)$/m.exec(metrics)?.[1] ?? NaN),
      warmCacheMisses: Number(/^cairn_admit_cache_misses_total (\S+)$/m.exec(metrics)?.[1] ?? NaN),
    };
  } finally {
    for (const p of webhooks) await p.stop();
    await key.close();
    client.close();
    await cairn.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
