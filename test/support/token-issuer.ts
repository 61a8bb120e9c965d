/**
 * A test token service for distribution's token auth
 * (docs/content/spec/auth/token.md, jwt.md): a node:http server on
 * 127.0.0.1 that checks Basic credentials and answers
 * `{"token","access_token","expires_in","issued_at"}` with an ES256 JWT the
 * registry verifies: header `x5c` = the issuer's self-signed certificate
 * (the registry's `rootcertbundle`), claims `iss`, `sub`, `aud` (= service),
 * `exp`, `nbf`, `iat`, `jti`, `access`.
 */
import { randomUUID, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { selfSignedP256 } from './certs.js';

export interface TokenUser {
  readonly password: string;
  /** Actions granted on every repository, e.g. ['pull', 'push']. */
  readonly actions: readonly string[];
}

export interface TokenIssuerOptions {
  readonly dir: string;
  readonly service: string;
  readonly issuer: string;
  readonly users: Readonly<Record<string, TokenUser>>;
  /** Actions granted without credentials; none when absent (anonymous requests then get 401). */
  readonly anonymousActions?: readonly string[];
  /** Token lifetime, seconds. */
  readonly expiresIn?: number;
}

export interface TokenIssuer {
  /** `http://127.0.0.1:<port>/token` */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM bundle the registry trusts (`auth.token.rootcertbundle`). */
  readonly rootCertFile: string;
  /** Every token request seen: its scopes, the user (or 'anonymous'), and what was granted. */
  readonly requests: Array<{ user: string; scopes: string[]; method: string; granted: boolean }>;
  close(): Promise<void>;
}

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  const { certFile, keyFile } = selfSignedP256(opts.dir, 'token-signer', opts.issuer);
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw;
  const requests: TokenIssuer['requests'] = [];
  const server = createServer((req, res) => {
    void handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let scopes = url.searchParams.getAll('scope');
    let service = url.searchParams.get('service');
    let user = 'anonymous';
    let actions = opts.anonymousActions;
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant: the refresh token is "<user>:<password>" in this test issuer.
      const form = new URLSearchParams(await readAll(req));
      service = form.get('service');
      scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
      const [u, p] = (form.get('refresh_token') ?? '').split(':');
      const known = u === undefined ? undefined : opts.users[u];
      if (form.get('grant_type') !== 'refresh_token' || known === undefined || known.password !== p) return refuse(scopes, u ?? '?');
      user = u ?? '?';
      actions = known.actions;
    } else {
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        const [u, ...rest] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
        const known = u === undefined ? undefined : opts.users[u];
        if (!auth.startsWith('Basic ') || known === undefined || known.password !== rest.join(':')) return refuse(scopes, u ?? '?');
        user = u ?? '?';
        actions = known.actions;
      }
    }
    if (service !== opts.service) return { status: 400, body: { errors: [{ code: 'INVALID', message: `unknown service ${service}` }] } };
    if (actions === undefined) return refuse(scopes, user);
    requests.push({ user, scopes, method: req.method ?? '', granted: true });
    const token = jwt(key, certDer, opts, user, grant(scopes, actions));
    return { status: 200, body: { token, access_token: token, expires_in: opts.expiresIn ?? 300, issued_at: new Date().toISOString() } };
  }

  function refuse(scopes: string[], user: string): { status: number; body: unknown } {
    requests.push({ user, scopes, method: 'GET', granted: false });
    return { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] } };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: opts.service,
    issuer: opts.issuer,
    rootCertFile: certFile,
    requests,
    close: () => closeServer(server),
  };
}

/** token.md "Requesting a Token": scope = `repository:<name>:<actions>`; grant the intersection. */
function grant(scopes: readonly string[], allowed: readonly string[]): Array<{ type: string; name: string; actions: string[] }> {
  const out: Array<{ type: string; name: string; actions: string[] }> = [];
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    const actions = scope.slice(last + 1).split(',').filter((a) => allowed.includes(a));
    out.push({ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions });
  }
  return out;
}

function jwt(key: KeyObject, certDer: Buffer, opts: TokenIssuerOptions, sub: string, access: unknown): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
  const claims = { iss: opts.issuer, sub, aud: opts.service, exp: now + (opts.expiresIn ?? 300), nbf: now - 1, iat: now, jti: randomUUID(), access };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // JWS ES256 (RFC 7518 §3.4): the raw r‖s, not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
