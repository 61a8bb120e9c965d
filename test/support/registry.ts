/**
 * Starts Debian's `docker-registry` (distribution 2.8) as its own process for
 * a test: storage in a temp dir, `http.addr` 127.0.0.1 on a free port, ready
 * once it logs "listening on" and `/v2/` answers, stopped by PID. Variants:
 * anonymous, htpasswd Basic, token auth (with a test token issuer), TLS with
 * a certificate from a test CA.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './parts.js';
import { testCaAndServer } from './certs.js';
import { startTokenIssuer, type TokenIssuer, type TokenUser } from './token-issuer.js';

export const REGISTRY_COMMAND = 'docker-registry';

/** True when Debian's docker-registry is installed (for requirePartOrSkip). */
export function hasRegistry(): boolean {
  return hasCommand(REGISTRY_COMMAND);
}

export interface RegistryOptions {
  /** 'none' (default), 'htpasswd' (Basic) or 'token' (Bearer from a test token issuer). */
  readonly auth?: 'none' | 'htpasswd' | 'token';
  /** Users for htpasswd or the token issuer; default `{ alice: { password: 'wonderland', actions: ['pull','push'] } }`. */
  readonly users?: Readonly<Record<string, TokenUser>>;
  /** Token auth: actions granted to anonymous requests (none by default). */
  readonly anonymousActions?: readonly string[];
  /** Serve HTTPS with a certificate from a fresh test CA (`caFile`). */
  readonly tls?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  readonly host: string;
  /** `http(s)://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  /** The test CA's certificate, when `tls`. */
  readonly caFile: string | undefined;
  readonly tokenIssuer: TokenIssuer | undefined;
  readonly logs: string[];
  stop(): Promise<void>;
}

export const DEFAULT_USERS: Readonly<Record<string, TokenUser>> = { alice: { password: 'wonderland', actions: ['pull', 'push'] } };

/** Starts a registry; retries on a lost port race (another process took the free port first). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-registry-'));
  try {
    const users = opts.users ?? DEFAULT_USERS;
    const tokenIssuer = opts.auth === 'token'
      ? await startTokenIssuer({ dir, service: 'cairn-test-registry', issuer: 'cairn-test-issuer', users, ...(opts.anonymousActions === undefined ? {} : { anonymousActions: opts.anonymousActions }) })
      : undefined;
    const tls = opts.tls === true ? testCaAndServer(dir) : undefined;
    const auth = authConfig(dir, opts.auth ?? 'none', users, tokenIssuer);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'config.yml');
      writeFileSync(config, registryConfig(dir, port, auth, tls?.server));
      try {
        const started = await spawnRegistry(config, port, tls?.ca.certFile);
        return {
          host: `127.0.0.1:${port}`,
          url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
          pid: started.child.pid ?? -1,
          dir,
          caFile: tls?.ca.certFile,
          tokenIssuer,
          logs: started.logs,
          stop: async () => {
            await stopChild(started.child);
            await tokenIssuer?.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function authConfig(dir: string, kind: 'none' | 'htpasswd' | 'token', users: Readonly<Record<string, TokenUser>>, issuer: TokenIssuer | undefined): string {
  if (kind === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    const lines = Object.entries(users).map(([u, { password }]) => execFileSync('htpasswd', ['-Bbn', u, password], { encoding: 'utf8' }).trim());
    writeFileSync(file, `${lines.join('\n')}\n`);
    return `auth:\n  htpasswd:\n    realm: cairn-test\n    path: ${file}\n`;
  }
  if (kind === 'token' && issuer !== undefined) {
    return `auth:\n  token:\n    realm: ${issuer.realm}\n    service: ${issuer.service}\n    issuer: ${issuer.issuer}\n    rootcertbundle: ${issuer.rootCertFile}\n`;
  }
  return '';
}

function registryConfig(dir: string, port: number, auth: string, tls: { certFile: string; keyFile: string } | undefined): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    ...(tls === undefined ? [] : ['  tls:', `    certificate: ${tls.certFile}`, `    key: ${tls.keyFile}`]),
    auth,
  ].join('\n');
}

/** Spawns the registry and resolves once it logs "listening on" and answers `/v2/` (200 or 401). */
function spawnRegistry(config: string, port: number, caFile: string | undefined): Promise<{ child: ChildProcess; logs: string[] }> {
  const child = spawn(REGISTRY_COMMAND, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const onLine = (b: Buffer): void => {
      const text = b.toString('utf8');
      logs.push(text);
      if (!ready && text.includes('listening on')) {
        ready = true;
        probe(port, caFile).then(() => resolve({ child, logs }), (err: unknown) => {
          void stopChild(child);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`docker-registry exited before listening (${code ?? signal}): ${logs.join('')}`));
    });
    child.once('error', reject);
  });
}

function probe(port: number, caFile: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (res: { statusCode?: number | undefined; resume(): void }): void => {
      res.resume();
      if (res.statusCode === 200 || res.statusCode === 401) resolve();
      else reject(new Error(`/v2/ answered ${res.statusCode}`));
    };
    const req = caFile === undefined
      ? request({ host: '127.0.0.1', port, path: '/v2/' }, done)
      : httpsRequest({ host: '127.0.0.1', port, path: '/v2/', ca: readFileSync(caFile, 'utf8') }, done);
    req.on('error', reject);
    req.end();
  });
}


/** `signal` (SIGTERM) by PID, then SIGKILL if it has not exited within `graceMs` (5 s). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
