/**
 * Access control for private deployments (off unless a policy is given, so a
 * public log answers as Rekor does). Clients present `Authorization: Bearer
 * <token>`; the log keeps only SHA-256 hashes of tokens (a tokens file, see
 * src/cli/tokens.ts) and compares them in constant time.
 *
 * What each request needs ({@link requiredAccess}):
 * - `/healthz`: nothing (load balancers and orchestrators probe it);
 * - `POST /api/v1/log/entries`: a token with role `submit` (or `admin`);
 * - reads (GET, and the two search POSTs): nothing, or any valid token when
 *   the policy sets `readAuth`;
 * - `GET /metrics` and any other write: role `admin`.
 * Unknown routes fall to the strictest rule that fits their method, so a
 * route added later is never open by accident.
 *
 * Answers: no or malformed credentials → 401 UNAUTHENTICATED with
 * `WWW-Authenticate: Bearer realm="cairn"` (`error="invalid_token"` when a
 * token was presented but matches none); a valid token without the role →
 * 403 FORBIDDEN (`error="insufficient_scope"`, RFC 6750 §3.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { LogError } from '../errors.js';
import { sendError } from './errors.js';

export type Role = 'submit' | 'admin';

/** A token the log accepts: its name (for logs and rate limits), the SHA-256 of the token text, its roles. */
export interface TokenRecord {
  readonly name: string;
  /** SHA-256 of the token's UTF-8 bytes (32 bytes). */
  readonly sha256: Uint8Array;
  readonly roles: readonly Role[];
}

export interface AccessPolicy {
  readonly tokens: readonly TokenRecord[];
  /** Reads need a valid token too (any role). */
  readonly readAuth: boolean;
}

/** What a request needs: nothing, a valid token if reads are protected, or a token with a role. */
export type Access = 'none' | 'read' | Role;

const REALM = 'Bearer realm="cairn"';
/** POSTs that only read. */
const READ_POSTS: ReadonlySet<string> = new Set(['/api/v1/log/entries/retrieve', '/api/v1/index/retrieve']);

/**
 * The access a request needs (see the module comment). `path` is express's
 * `req.path`, compared as express routes it: case-insensitively, a trailing
 * slash ignored.
 */
export function requiredAccess(method: string, rawPath: string): Access {
  const path = rawPath.length > 1 ? rawPath.toLowerCase().replace(/\/$/, '') : rawPath;
  if (path === '/healthz') return 'none';
  if (method === 'GET' || method === 'HEAD') return path === '/metrics' ? 'admin' : 'read';
  if (method === 'POST' && path === '/api/v1/log/entries') return 'submit';
  if (method === 'POST' && READ_POSTS.has(path)) return 'read';
  return 'admin';
}

/** Hex SHA-256 of a token, as the tokens file stores it. */
export function tokenSha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The token record a request authenticates as: undefined without credentials,
 * null for credentials that match no token. Every stored hash is compared
 * (timingSafeEqual, no early exit), so timing does not tell which one matched.
 */
export function authenticate(tokens: readonly TokenRecord[], authorization: string | undefined): TokenRecord | null | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer[ ]+([\x21-\x7e]{1,512})[ ]*$/i.exec(authorization);
  if (m === null) return null;
  const presented = createHash('sha256').update(m[1]!, 'utf8').digest();
  let found: TokenRecord | null = null;
  for (const t of tokens) {
    if (t.sha256.length === presented.length && timingSafeEqual(t.sha256, presented) && found === null) found = t;
  }
  return found;
}

const principals = new WeakMap<Request, TokenRecord | null | undefined>();

/** The token a request authenticated as (memoised per request), for the rate limiter's key. */
export function principalOf(policy: AccessPolicy, req: Request): TokenRecord | null | undefined {
  if (!principals.has(req)) principals.set(req, authenticate(policy.tokens, req.headers.authorization));
  return principals.get(req);
}

/** Express middleware enforcing `policy`; place it before the body parser so refused writes are not read. */
export function accessControl(policy: AccessPolicy): RequestHandler {
  return (req, res, next) => {
    const need = requiredAccess(req.method, req.path);
    if (need === 'none' || (need === 'read' && !policy.readAuth)) {
      next();
      return;
    }
    const who = principalOf(policy, req);
    if (who === undefined) {
      refuse(res, 'UNAUTHENTICATED', REALM, `${req.method} ${req.path} needs a bearer token`);
    } else if (who === null) {
      refuse(res, 'UNAUTHENTICATED', `${REALM}, error="invalid_token"`, 'the bearer token is not valid');
    } else if (need !== 'read' && !who.roles.includes('admin') && !who.roles.includes(need)) {
      refuse(res, 'FORBIDDEN', `${REALM}, error="insufficient_scope"`, `token "${who.name}" lacks the role "${need}" that ${req.method} ${req.path} needs`);
    } else {
      next();
    }
  };
}

function refuse(res: Response, code: 'UNAUTHENTICATED' | 'FORBIDDEN', challenge: string, message: string): void {
  res.set('WWW-Authenticate', challenge);
  // The request body (if any) is not read: close the connection rather than drain it.
  res.set('Connection', 'close');
  sendError(res, new LogError(code, message));
}
