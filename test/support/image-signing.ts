/**
 * A world for image-signing tests, all real parts: Debian's docker-registry
 * (anonymous, htpasswd or token auth), a real `cairn serve` process as the
 * log, a P-256 signing key pair in a temp dir, and helpers to push test
 * images and run the `cairn` CLI against them. One world per test file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyFiles } from '../../src/keys/index.js';
import { RegistryClient, parseImageReference } from '../../src/oci/index.js';
import { runCairn, type CliResult } from './cairn-cli.js';
import { pushTestImage, type ImageFormat, type Platform, type PushedImage } from './images.js';
import { startRegistry, type RegistryOptions, type TestRegistry } from './registry.js';
import { startServer, type ServerProcess } from './server-process.js';

export interface SigningWorld {
  readonly dir: string;
  readonly registry: TestRegistry;
  readonly log: ServerProcess;
  readonly logUrl: string;
  /** PEM file of the log's public key (GET /api/v1/log/publicKey). */
  readonly logKeyFile: string;
  /** The signer's private key (PKCS#8 PEM) and public key files. */
  readonly keyFile: string;
  readonly pubFile: string;
  /** A registry client for the test itself (pushing images, reading what the CLI attached). */
  readonly client: RegistryClient;
  /** Environment for CLI runs (registry credentials when the registry wants them). */
  readonly env: Readonly<Record<string, string>>;
  /** Pushes a test image to `<registry>/<repo>:<tag>`; returns its reference text and the pushed image. */
  push(repo: string, opts?: { tag?: string; platforms?: readonly Platform[]; format?: ImageFormat; seed?: string }): Promise<{ ref: string; image: PushedImage }>;
  /** `cairn ...args` with the world's env (and `env` added). */
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliResult>;
  /** The flags `cairn sign`/`attest` need here (key, log, insecure registry). */
  signFlags(): string[];
  /** The flags `cairn verify` needs here (key, log key, insecure registry). */
  verifyFlags(): string[];
  stop(): Promise<void>;
}

export async function startSigningWorld(opts: RegistryOptions = {}): Promise<SigningWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-image-signing-'));
  const registry = await startRegistry(opts);
  let log: ServerProcess | undefined;
  try {
    log = await startServer(['--data-dir', join(dir, 'log'), '--batch-max-age-ms', '1']);
    const logUrl = log.url;
    const logKeyFile = join(dir, 'log.pub');
    writeFileSync(logKeyFile, await (await fetch(`${logUrl}/api/v1/log/publicKey`)).text());
    const keyFile = join(dir, 'signer.pem');
    const generated = generateSigningKeyFiles(keyFile);
    const users = opts.auth === undefined || opts.auth === 'none' ? undefined : Object.entries(opts.users ?? { alice: { password: 'wonderland' } })[0];
    const env: Record<string, string> = users === undefined ? {} : { CAIRN_REGISTRY_USERNAME: users[0], CAIRN_REGISTRY_PASSWORD: users[1].password };
    const client = new RegistryClient({
      insecure: registry.caFile === undefined,
      caFile: registry.caFile,
      credentials: () => (users === undefined ? undefined : { username: users[0], password: users[1].password }),
      sleep: async () => {},
    });
    const registryFlags = registry.caFile === undefined ? ['--insecure-registry'] : ['--registry-ca', registry.caFile];
    const started = log;
    return {
      dir,
      registry,
      log: started,
      logUrl,
      logKeyFile,
      keyFile,
      pubFile: generated.publicPath,
      client,
      env,
      async push(repo, o = {}) {
        const ref = `${registry.host}/${repo}:${o.tag ?? 'latest'}`;
        const image = await pushTestImage(client, parseImageReference(ref), {
          ...(o.platforms === undefined ? {} : { platforms: o.platforms }),
          ...(o.format === undefined ? {} : { format: o.format }),
          seed: o.seed ?? `${ref} ${Math.random()}`,
        });
        return { ref, image };
      },
      run: (args, more = {}) => runCairn(args, { ...env, ...more }),
      signFlags: () => ['--key', keyFile, '--log-url', logUrl, ...registryFlags],
      verifyFlags: () => ['--key', generated.publicPath, '--log-key', logKeyFile, ...registryFlags],
      async stop() {
        client.close();
        await started.stop();
        await registry.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await log?.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
