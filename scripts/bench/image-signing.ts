/**
 * `npm run bench -- --only sign`: signing and verifying container images,
 * timed per image over N images (100; 20 with --quick), all real parts: a
 * docker-registry process, a `cairn serve` process, images pushed here.
 *  - sign:    resolve the tag + sign + log + attach, both formats (legacy
 *             `.sig` layer with a hashedrekord entry; DSSE bundle referrer
 *             with a dsse entry), with the functions `cairn sign` runs;
 *  - verify:  resolve + read both signatures + verify them, offline (SET,
 *             bundle proof) and online (each entry read afresh from the log);
 *  - cli:     the whole `cairn sign` / `cairn verify` process (node start
 *             included), a few runs;
 *  - baseline: one registry manifest GET and one log entry GET, the round
 *             trips everything above is made of, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RekorClient } from '../../src/client/index.js';
import { signBundle, signLegacy } from '../../src/cli/image-signer.js';
import { createTrust, verifyAll } from '../../src/verifier/index.js';
import { generateSigningKeyFiles, openSigningKey, readPublicKey } from '../../src/keys/index.js';
import { RegistryClient, parseImageReference, repositoryName, type ImageReference } from '../../src/oci/index.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../../src/signing/index.js';
import { pushTestImage } from '../../test/support/images.js';
import { startRegistry } from '../../test/support/registry.js';
import { startCairn } from './procs.js';
import { msPercentiles } from './workload.js';

const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');


async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

export async function imageSigningBench(quick: boolean, log: (s: string) => void): Promise<Record<string, number | string>> {
  const n = quick ? 20 : 100;
  const cliRuns = quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-sign-'));
  const registry = await startRegistry();
  const cairn = await startCairn(join(dir, 'data'));
  const client = new RegistryClient({ insecure: true });
  const submits: number[] = [];
  const rekor = new TimedRekorClient(cairn.url, submits);
  const files = generateSigningKeyFiles(join(dir, 'signer.pem'));
  const key = await openSigningKey(files.privatePath);
  try {
    const logKeyPem = await (await fetch(`${cairn.url}/api/v1/log/publicKey`)).text();
    const trust = createTrust({ signerKeys: [readPublicKey(files.publicPath)], logKeys: [readPublicKey(logKeyPem)] });
    const refs: ImageReference[] = [];
    log(`  pushing ${n} images`);
    for (let i = 0; i < n; i++) {
      const ref = parseImageReference(`${registry.host}/bench/app${i % 10}:v${i}`);
      await pushTestImage(client, ref, { seed: `bench ${i} ${process.pid}` });
      refs.push(ref);
    }
    const ctx = (ref: ImageReference) => ({ registry: client, log: rekor, key, ref, now: () => new Date(), progress: () => {} });
    log(`  signing ${n} images (both formats)`);
    const sign: number[] = [];
    const resolves: number[] = [];
    for (const ref of refs) {
      sign.push(
        await timed(async () => {
          const t0 = performance.now();
          const target = await client.resolve(ref);
          resolves.push(performance.now() - t0);
          await signLegacy(ctx(ref), target, {});
          await signBundle(ctx(ref), target, {});
        }),
      );
    }
    const attach = sign.map((total, i) => total - (resolves[i] ?? 0) - (submits[2 * i] ?? 0) - (submits[2 * i + 1] ?? 0));
    const verifyWith = async (ref: (typeof refs)[number], online: boolean): Promise<void> => {
      const target = await client.resolve(ref);
      const reports = await verifyAll(
        { registry: client, ref, digest: target.digest, repository: repositoryName(ref), trust, log: online ? rekor : undefined, progress: () => {} },
        'signature',
        COSIGN_SIGN_PREDICATE_TYPE,
      );
      if (reports.length !== 2 || !reports.every((r) => r.ok)) throw new Error(`bench: verification failed: ${JSON.stringify(reports)}`);
    };
    log(`  verifying ${n} images offline and online`);
    const offline: number[] = [];
    const online: number[] = [];
    // Alternate which goes first, so neither gains from the other having warmed up.
    for (const [i, ref] of refs.entries()) {
      if (i % 2 === 0) offline.push(await timed(() => verifyWith(ref, false)));
      online.push(await timed(() => verifyWith(ref, true)));
      if (i % 2 === 1) offline.push(await timed(() => verifyWith(ref, false)));
    }
    log('  baseline round trips');
    const manifestGet: number[] = [];
    const entryGet: number[] = [];
    for (const ref of refs) manifestGet.push(await timed(() => client.getManifest(ref, ref.tag ?? 'latest')));
    for (let i = 0; i < n; i++) entryGet.push(await timed(() => rekor.entryByIndex(i)));
    log(`  cli: ${cliRuns} runs each of cairn sign and cairn verify`);
    const logKeyFile = join(dir, 'log.pub');
    writeFileSync(logKeyFile, logKeyPem);
    const cliSign: number[] = [];
    const cliVerify: number[] = [];
    for (let i = 0; i < cliRuns; i++) {
      const image = `${registry.host}/${refs[i]!.repository}:${refs[i]!.tag ?? 'latest'}`;
      cliSign.push(await timed(async () => execFileSync(process.execPath, [MAIN_JS, 'sign', image, '--key', files.privatePath, '--log-url', cairn.url, '--insecure-registry'], { stdio: 'ignore' })));
      cliVerify.push(await timed(async () => execFileSync(process.execPath, [MAIN_JS, 'verify', image, '--key', files.publicPath, '--log-key', logKeyFile, '--insecure-registry'], { stdio: 'ignore' })));
    }
    const s = msPercentiles(sign);
    const off = msPercentiles(offline);
    const on = msPercentiles(online);
    const mg = msPercentiles(manifestGet);
    const eg = msPercentiles(entryGet);
    return {
      images: n,
      signMedianMs: s.p50,
      signP99Ms: s.p99,
      signResolveMedianMs: msPercentiles(resolves).p50,
      signLogSubmitMedianMs: msPercentiles(submits).p50,
      signAttachMedianMs: msPercentiles(attach).p50,
      verifyOfflineMedianMs: off.p50,
      verifyOfflineP99Ms: off.p99,
      verifyOnlineMedianMs: on.p50,
      verifyOnlineP99Ms: on.p99,
      baselineManifestGetMedianMs: mg.p50,
      baselineEntryGetMedianMs: eg.p50,
      cliSignMedianMs: msPercentiles(cliSign).p50,
      cliVerifyMedianMs: msPercentiles(cliVerify).p50,
    };
  } finally {
    await key.close();
    client.close();
    await cairn.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A RekorClient that records how long each submission took (ms). */
class TimedRekorClient extends RekorClient {
  readonly #times: number[];
  constructor(url: string, times: number[]) {
    super(url);
    this.#times = times;
  }
  override async submit(proposed: unknown): ReturnType<RekorClient['submit']> {
    const t0 = performance.now();
    const r = await super.submit(proposed);
    this.#times.push(performance.now() - t0);
    return r;
  }
}
