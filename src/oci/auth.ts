/**
 * Registry authentication (distribution docs/content/spec/auth/token.md,
 * oauth.md): anonymous until the registry answers 401; then Basic with the
 * configured credentials, or a bearer token fetched from the challenge's
 * realm for `service` and `scope` (GET with Basic credentials or none; POST
 * the OAuth2 refresh-token grant for an identity token). Tokens are cached
 * per registry and scope until shortly before they expire.
 */
import { LogError } from '../errors.js';
import { parseChallenges, type Challenge } from './challenge.js';
import type { Credentials, CredentialSource } from './credentials.js';
import type { HttpResponse } from './transport.js';

/** Sends a token request (GET or POST, following the transport's rules); supplied by the client. */
export type TokenFetcher = (url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Uint8Array }) => Promise<HttpResponse>;

type Scheme = { kind: 'basic' } | { kind: 'bearer'; realm: URL; service: string | undefined };

/** Tokens shorter-lived than this are treated as living this long (docker's minimum). */
const MIN_TOKEN_SECONDS = 60;
/** A cached token is dropped this long before it expires. */
const EXPIRY_MARGIN_MS = 10_000;
const MAX_TOKEN_RESPONSE = 1 << 20;

export class Authenticator {
  readonly #schemes = new Map<string, Scheme>();
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #credentials: CredentialSource | undefined;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;
  readonly #allowPlainRealm: boolean;

  constructor(opts: { credentials: CredentialSource | undefined; fetchToken: TokenFetcher; now: () => number; allowPlainRealm: boolean }) {
    this.#credentials = opts.credentials;
    this.#fetchToken = opts.fetchToken;
    this.#now = opts.now;
    this.#allowPlainRealm = opts.allowPlainRealm;
  }

  /** The Authorization header for a request to `registry` needing `scope`, or undefined while anonymous. */
  async authorization(registry: string, scope: string): Promise<string | undefined> {
    const scheme = this.#schemes.get(registry);
    if (scheme === undefined) return undefined;
    if (scheme.kind === 'basic') return basicHeader(registry, this.#requireCredentials(registry));
    const key = `${registry} ${scope}`;
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) return `Bearer ${cached.token}`;
    return `Bearer ${await this.#token(registry, scheme, [scope], key)}`;
  }

  /**
   * Learns from a 401's `WWW-Authenticate` header. Returns the Authorization
   * header to retry with; throws REGISTRY_UNAUTHORIZED when no retry can help
   * (no credentials for a Basic challenge, an unknown scheme) or the token
   * service refuses.
   */
  async challenged(registry: string, scope: string, res: HttpResponse): Promise<string> {
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer !== undefined) {
      const scheme = this.#bearerScheme(registry, bearer);
      this.#schemes.set(registry, scheme);
      const scopes = unionScopes(scope, bearer.params['scope']);
      const key = `${registry} ${scope}`;
      this.#tokens.delete(key);
      return `Bearer ${await this.#token(registry, scheme, scopes, key)}`;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      this.#schemes.set(registry, { kind: 'basic' });
      return basicHeader(registry, this.#requireCredentials(registry));
    }
    throw new LogError('REGISTRY_UNAUTHORIZED', `couldn't authenticate to ${registry}: it answered 401 without a Basic or Bearer challenge`, {
      details: { registry, status: 401 },
    });
  }

  /** True when requests to `registry` carry credentials of the user's (not an anonymous token). */
  usedCredentials(registry: string): boolean {
    return this.#schemes.has(registry) && this.#credentials?.(registry) !== undefined;
  }

  #bearerScheme(registry: string, c: Challenge): Extract<Scheme, { kind: 'bearer' }> {
    const realmText = c.params['realm'];
    let realm: URL;
    try {
      realm = new URL(realmText ?? '');
    } catch {
      throw new LogError('REGISTRY_PROTOCOL', `couldn't authenticate to ${registry}: the Bearer challenge's realm ${JSON.stringify(realmText)} is not a URL`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.#allowPlainRealm)) {
      throw new LogError('REGISTRY_PROTOCOL', `couldn't authenticate to ${registry}: refusing to send credentials to the token service ${realm.origin} over ${realm.protocol} (allowed only with --insecure-registry)`);
    }
    return { kind: 'bearer', realm, service: c.params['service'] };
  }

  #requireCredentials(registry: string): Credentials {
    const creds = this.#credentials?.(registry);
    if (creds === undefined || (creds.username === undefined && creds.registryToken === undefined)) {
      throw new LogError('REGISTRY_UNAUTHORIZED', `couldn't authenticate to ${registry}: it requires credentials and none are configured (docker config.json, or CAIRN_REGISTRY_USERNAME and CAIRN_REGISTRY_PASSWORD)`, {
        details: { registry, status: 401 },
      });
    }
    return creds;
  }

  async #token(registry: string, scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: readonly string[], key: string): Promise<string> {
    const creds = this.#credentials?.(registry);
    if (creds?.registryToken !== undefined) return creds.registryToken;
    const url = new URL(scheme.realm);
    const res = creds?.identityToken !== undefined
      ? await this.#fetchToken(url, refreshGrant(scheme, scopes, creds.identityToken))
      : await this.#fetchToken(withTokenQuery(url, scheme, scopes), {
          method: 'GET',
          headers: creds?.username === undefined ? {} : { Authorization: basicHeader(registry, creds) },
        });
    const { token, expiresIn } = parseTokenResponse(registry, scheme.realm, res, creds !== undefined);
    this.#tokens.set(key, { token, expiresAt: this.#now() + Math.max(expiresIn, MIN_TOKEN_SECONDS) * 1000 - EXPIRY_MARGIN_MS });
    return token;
  }
}

function withTokenQuery(url: URL, scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: readonly string[]): URL {
  if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  return url;
}

/** oauth.md "Refresh token format": form POST of grant_type=refresh_token. */
function refreshGrant(scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: readonly string[], refreshToken: string) {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'cairn' });
  if (scheme.service !== undefined) form.set('service', scheme.service);
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  return {
    method: 'POST' as const,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new TextEncoder().encode(form.toString()),
  };
}

function parseTokenResponse(registry: string, realm: URL, res: HttpResponse, withCredentials: boolean): { token: string; expiresIn: number } {
  if (res.status === 401 || res.status === 403) {
    throw new LogError('REGISTRY_UNAUTHORIZED', `couldn't get a token for ${registry} from ${realm.origin}${realm.pathname}: ${res.status}, ${withCredentials ? 'the credentials were rejected' : 'anonymous access refused and no credentials are configured'}`, {
      details: { registry, status: res.status, realm: realm.href },
    });
  }
  if (res.status === 429 || res.status >= 500) {
    throw new LogError('REGISTRY_UNREACHABLE', `couldn't get a token for ${registry} from ${realm.origin}${realm.pathname}: it answered ${res.status} after every retry`, { details: { registry, status: res.status } });
  }
  if (res.status !== 200) {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't get a token for ${registry} from ${realm.origin}${realm.pathname}: it answered ${res.status}`, { details: { registry, status: res.status } });
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    if (res.body.length > MAX_TOKEN_RESPONSE) throw new Error('too large');
    body = JSON.parse(new TextDecoder().decode(res.body)) as typeof body;
  } catch {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't read the token for ${registry} from ${realm.origin}: the answer is not JSON`);
  }
  const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't read the token for ${registry} from ${realm.origin}: no "token" or "access_token" in the answer`);
  }
  const expiresIn = typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) ? body.expires_in : MIN_TOKEN_SECONDS;
  return { token, expiresIn };
}

function basicHeader(registry: string, creds: Credentials): string {
  if (creds.registryToken !== undefined) return `Bearer ${creds.registryToken}`;
  if (creds.username === undefined) throw new LogError('REGISTRY_UNAUTHORIZED', `couldn't authenticate to ${registry} with Basic: no user name configured`);
  return `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`, 'utf8').toString('base64')}`;
}

/** Our scope plus the challenge's (token.md: the challenge names what the request needs). */
function unionScopes(ours: string, theirs: string | undefined): string[] {
  const out = [ours];
  for (const s of (theirs ?? '').split(' ')) if (s !== '' && !out.includes(s)) out.push(s);
  return out;
}

