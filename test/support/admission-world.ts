/**
 * A world for admission-webhook tests, all real parts: the signing world
 * (docker-registry, a `cairn serve` log, a signer key; image-signing.ts),
 * images pushed and signed by the real `cairn sign`, a test CA with a server
 * certificate for 127.0.0.1, a policy file, and the real `cairn admit`
 * process; an HTTPS client that trusts only the test CA posts
 * AdmissionReviews to it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describeRun } from './cairn-cli.js';
import { eachLine, logRecord } from './lines.js';
import { testCaAndServer, type CertFiles } from './certs.js';
import { startSigningWorld, type SigningWorld } from './image-signing.js';
import { startCommand, type ServerProcess } from './server-process.js';

export interface AdmissionWorld {
  readonly w: SigningWorld;
  readonly ca: CertFiles;
  readonly server: CertFiles;
  /** Pushes `<registry>/<repo>:v1`, signs it with `cairn sign` when `signed`; its reference and digest. */
  image(repo: string, signed: boolean): Promise<{ ref: string; digest: string }>;
  /** Writes `text` as the policy file at `path` (default `<dir>/policy.yaml`). */
  writePolicy(text: string, path?: string): string;
  /** A rule over `<registry>/<prefix>/**` trusting the world's key and log, plus `extra` YAML lines. */
  rule(prefix: string, extra?: string): string;
  /** Starts `cairn admit` with the test certificate and `args`. */
  admit(args: readonly string[]): Promise<ServerProcess>;
  stop(): Promise<void>;
}

export async function startAdmissionWorld(): Promise<AdmissionWorld> {
  const w = await startSigningWorld();
  const { ca, server } = testCaAndServer(w.dir);
  const admits: ServerProcess[] = [];
  return {
    w,
    ca,
    server,
    async image(repo, signed) {
      const { ref, image } = await w.push(repo, { tag: 'v1' });
      if (signed) {
        const r = await w.run(['sign', ref, ...w.signFlags()]);
        assert.equal(r.status, 0, describeRun(r));
      }
      return { ref, digest: image.digest };
    },
    writePolicy(text, path = join(w.dir, 'policy.yaml')) {
      writeFileSync(path, text);
      return path;
    },
    rule(prefix, extra = '') {
      return `  - images: ["${w.registry.host}/${prefix}/**"]
    keys: ["${w.pubFile}"]
    log: {publicKey: "${w.logKeyFile}", url: "${w.logUrl}"}
    insecureRegistry: true
${extra}`;
    },
    async admit(args) {
      const p = await startCommand('admit', ['--tls-cert', server.certFile, '--tls-key', server.keyFile, ...args]);
      admits.push(p);
      return p;
    },
    async stop() {
      for (const p of admits) await p.stop();
      await w.stop();
    },
  };
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
}

/** One HTTPS request to `url` + `path`, trusting only `caFile`'s certificate. */
export function httpsCall(url: string, path: string, caPem: string | Buffer, opts: { method?: string; body?: string | Buffer; contentType?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = request(
      new URL(path, url),
      {
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        ca: caPem,
        agent: false,
        headers: body === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(body.length) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the first log line of `p` (JSON, on stderr) whose `msg` is `msg`, arriving after the call. */
export function nextLogLine(p: ServerProcess, msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const lines = eachLine(p.child.stderr, (line) => {
      const rec = logRecord(line);
      if (rec?.['msg'] !== msg) return;
      lines.stop();
      resolve(rec);
    });
  });
}
