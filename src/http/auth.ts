/**
 * Access control for private deployments (off unless a policy is given, so a
 * public log answers as Rekor does). Clients present `Authorization: Bearer
 * <token>`; the log keeps only SHA-256 hashes of tokens (a tokens file, see
 * src/cli/tokens.ts) and compares them in constant time.
 *
 * What each request needs ({@link requiredAccess}):
 * - `/healthz`, `/readyz`: nothing (load balancers and orchestrators probe them);
 * - the nodes' internal forwarding route (cluster.ts): no token; the route
 *   itself authenticates the peer by the HMAC of its body (so does the
 *   admin relay of admin-relay.ts, which the dispatcher serves before the
 *   guards on a node of several);
 * - `POST /api/v1/log/entries` and `POST /api/v2/log/entries`: a token with role `submit` (or `admin`);
 * - reads (GET, and the two search POSTs): nothing, or any valid token when
 *   the policy sets `readAuth`;
 * - `GET /metrics`, anything under `/api/v1/admin/` (whatever the method;
 *   admin.ts adds its second factor and audit record) and any other write:
 *   role `admin`.
 * Unknown routes fall to the strictest rule that fits their method, so a
 * route added later is never open by accident.
 *
 * Answers: no or malformed credentials → 401 UNAUTHENTICATED with
 * `WWW-Authenticate: Bearer realm="cairn"` (`error="invalid_token"` when a
 * token was presented but matches none); a valid token without the role →
 * 403 FORBIDDEN (`error="insufficient_scope"`, RFC 6750 §3.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LogError } from '../errors.js';
import { CLUSTER_ENTRIES_PATH } from './cluster.js';
import { errorReply } from './errors.js';
import type { GuardRequest } from './guards.js';
import type { Reply } from './reply.js';
import type { OtpRefusal } from './totp.js';

export type Role = 'submit' | 'admin';

/** A token the log accepts: its name (for logs and rate limits), the SHA-256 of the token text, its roles. */
export interface TokenRecord {
  readonly name: string;
  /** SHA-256 of the token's UTF-8 bytes (32 bytes). */
  readonly sha256: Uint8Array;
  readonly roles: readonly Role[];
}

/** The tokens in force: a fixed list, or a function giving the current list (tokens reloaded while serving). */
export type TokenSource = readonly TokenRecord[] | (() => readonly TokenRecord[]);

/** The list `source` gives now. */
export function currentTokens(source: TokenSource): readonly TokenRecord[] {
  return typeof source === 'function' ? source() : source;
}

export interface AccessPolicy {
  readonly tokens: TokenSource;
  /** Reads need a valid token too (any role). */
  readonly readAuth: boolean;
}

/** What a request needs: nothing, a valid token if reads are protected, or a token with a role. */
export type Access = 'none' | 'read' | Role;

export const REALM = 'Bearer realm="cairn"';
/** Paths of admin operations (lower case): every method needs role admin (admin.ts). */
export const ADMIN_PATH_PREFIX = '/api/v1/admin/';
/** POSTs that only read. */
const READ_POSTS: ReadonlySet<string> = new Set(['/api/v1/log/entries/retrieve', '/api/v1/index/retrieve']);

/**
 * The access a request needs (see the module comment). `path` is the path as
 * sent, compared as the router matches it (route.ts): case-insensitively, a
 * trailing slash ignored.
 */
export function requiredAccess(method: string, rawPath: string): Access {
  const path = rawPath.length > 1 ? rawPath.toLowerCase().replace(/\/$/, '') : rawPath;
  if (path === '/healthz' || path === '/readyz' || path === CLUSTER_ENTRIES_PATH) return 'none';
  if (path.startsWith(ADMIN_PATH_PREFIX)) return 'admin';
  if (method === 'GET' || method === 'HEAD') return path === '/metrics' ? 'admin' : 'read';
  if (method === 'POST' && (path === '/api/v1/log/entries' || path === '/api/v2/log/entries')) return 'submit';
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

/**
 * The guard enforcing `policy` (guards.ts runs it before the body is read, so
 * refused writes are never read). `who` is the token the request carries, as
 * {@link authenticate} gives it. The refusal closes the connection rather
 * than read a body the client should not have sent.
 */
export function accessGuard(policy: AccessPolicy): (req: GuardRequest) => Reply | undefined {
  return (req) => {
    const need = requiredAccess(req.method, req.path);
    if (need === 'none' || (need === 'read' && !policy.readAuth)) return undefined;
    return checkAccess(req, need);
  };
}

/**
 * The refusal for a request that lacks `need` (no token: 401; a token that
 * matches none: 401 invalid_token; a token without the role: 403
 * insufficient_scope), undefined when its token has it (`admin` has them all).
 */
export function checkAccess(req: GuardRequest, need: 'read' | Role): Reply | undefined {
  const who = req.principal();
  if (who === undefined) return refuse('UNAUTHENTICATED', REALM, `${req.method} ${req.path} needs a bearer token`);
  if (who === null) return refuse('UNAUTHENTICATED', `${REALM}, error="invalid_token"`, 'the bearer token is not valid');
  if (need !== 'read' && !who.roles.includes('admin') && !who.roles.includes(need)) {
    return refuse('FORBIDDEN', `${REALM}, error="insufficient_scope"`, `token "${who.name}" lacks the role "${need}" that ${req.method} ${req.path} needs`);
  }
  return undefined;
}

/** A refusal with its `WWW-Authenticate` challenge; it closes the connection (the body, if any, is never read). */
export function refuse(code: 'UNAUTHENTICATED' | 'FORBIDDEN' | OtpRefusal, challenge: string, message: string): Reply {
  const r = errorReply(new LogError(code, message));
  return { ...r, headers: { 'WWW-Authenticate': challenge, Connection: 'close', ...r.headers } };
}
