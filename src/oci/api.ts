/**
 * The distribution API's request loop (distribution-spec spec.md): one
 * call = auth header, send, retry on 429/5xx/broken connections with
 * backoff, re-authenticate once on 401, follow redirects for GET/HEAD, and
 * turn a refusal into a LogError with a code. Only this file sends requests
 * to a registry.
 */
import { LogError } from '../errors.js';
import { Authenticator } from './auth.js';
import type { CredentialSource } from './credentials.js';
import { DOCKER_HUB, type ImageReference } from './reference.js';
import { responseError } from './response-errors.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from './retry.js';
import { Transport, type HttpMethod, type HttpRequest, type HttpResponse } from './transport.js';

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Path below `/v2/<repository>/`, e.g. `manifests/latest`; or an absolute URL (an upload Location). */
  readonly path: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly maxBytes: number;
  /** Needs the push scope (`repository:<name>:pull,push`); else pull. */
  readonly push?: boolean;
  /** Statuses handed back to the caller instead of becoming errors (e.g. 404 on a probe). */
  readonly accept?: readonly number[];
  /** What the request is about, for error messages: "manifest app:latest". */
  readonly what: string;
  /** Aborts the request, its retries and the waits between them (REGISTRY_UNREACHABLE, reason ABORT_ERR). */
  readonly signal?: AbortSignal | undefined;
}

export interface ApiOptions {
  readonly insecure: boolean;
  readonly caFile: string | undefined;
  readonly credentials: CredentialSource | undefined;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly onProgress: ((msg: string) => void) | undefined;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class RegistryApi {
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #opts: ApiOptions;

  constructor(opts: ApiOptions) {
    this.#opts = opts;
    this.#transport = new Transport({ caFile: opts.caFile, timeoutMs: opts.timeoutMs, userAgent: opts.userAgent });
    this.#auth = new Authenticator({
      credentials: opts.credentials,
      now: opts.retry.now,
      allowPlainRealm: opts.insecure,
      fetchToken: (url, init) => this.#exchange({ method: init.method, url, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }), maxBytes: 1 << 20 }, 'token', url.origin),
    });
  }

  /** `https://host[:port]` (or http with `insecure`); Docker Hub's API lives at registry-1.docker.io. */
  baseUrl(registry: string): URL {
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
    return new URL(`${this.#opts.insecure ? 'http' : 'https'}://${host}/`);
  }

  /** Sends `req` for repository `ref`; resolves with a 2xx response or one of `req.accept`. */
  async send(ref: ImageReference, req: ApiRequest): Promise<HttpResponse> {
    const base = this.baseUrl(ref.registry);
    const url = typeof req.path === 'string' ? new URL(`/v2/${ref.repository}/${req.path}`, base) : req.path;
    const scope = `repository:${ref.repository}:${req.push === true ? 'pull,push' : 'pull'}`;
    const headers: Record<string, string> = { ...req.headers };
    // Credentials go to the registry itself only, never to an absolute URL elsewhere (a Location or Link).
    const ownOrigin = url.origin === base.origin;
    const auth = ownOrigin ? await this.#auth.authorization(ref.registry, scope) : undefined;
    if (auth !== undefined) headers['Authorization'] = auth;
    const httpReq = { method: req.method, url, headers, ...(req.body === undefined ? {} : { body: req.body }), maxBytes: req.maxBytes, signal: req.signal };
    let res = await this.#exchange(httpReq, req.what, base.origin);
    if (res.status === 401 && ownOrigin) {
      headers['Authorization'] = await this.#auth.challenged(ref.registry, scope, res);
      res = await this.#exchange(httpReq, req.what, base.origin);
    }
    if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status) === true) return res;
    throw responseError(ref.registry, req.method, req.what, res, this.#auth.usedCredentials(ref.registry));
  }

  /** Reports a progress line, if the client was given a listener. */
  progress(msg: string): void {
    this.#opts.onProgress?.(msg);
  }

  close(): void {
    this.#transport.close();
  }

  /**
   * One request with retries and redirects. `Authorization` goes only to
   * `authOrigin`: a redirect elsewhere (a blob store, a CDN) is followed
   * without it, and never from https down to http.
   */
  async #exchange(req: HttpRequest, what: string, authOrigin: string): Promise<HttpResponse> {
    let current = req;
    for (let hop = 0; ; hop++) {
      const res = await this.#withRetries(current, what);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || location === undefined || (current.method !== 'GET' && current.method !== 'HEAD')) return res;
      if (hop >= MAX_REDIRECTS) throw new LogError('REGISTRY_PROTOCOL', `couldn't fetch ${what}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current.url);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && (this.#opts.insecure || current.url.protocol === 'http:'))) {
        throw new LogError('REGISTRY_PROTOCOL', `couldn't fetch ${what}: refusing a redirect from ${current.url.origin} to ${next.origin}`);
      }
      const headers = { ...current.headers };
      if (next.origin !== authOrigin) delete headers['Authorization'];
      current = { ...current, url: next, headers };
    }
  }

  async #withRetries(req: HttpRequest, what: string): Promise<HttpResponse> {
    const policy = this.#opts.retry;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(req, what);
      let res: HttpResponse | undefined;
      let failure: LogError | undefined;
      try {
        res = await this.#transport.send(req);
      } catch (err) {
        if (!(err instanceof LogError) || err.code !== 'REGISTRY_UNREACHABLE' || err.details?.['retryable'] !== true) throw err;
        failure = err;
      }
      if (res !== undefined && !isRetryableStatus(res.status)) return res;
      if (attempt >= policy.retries) {
        if (failure !== undefined) throw failure;
        return res as HttpResponse;
      }
      const retryAfter = res?.headers['retry-after'];
      const delay = backoffDelay(policy, attempt, typeof retryAfter === 'string' ? retryAfter : undefined);
      const why = res !== undefined ? `answered ${res.status}` : `failed (${String(failure?.details?.['reason'])})`;
      this.#opts.onProgress?.(`${req.method} ${what} at ${req.url.host} ${why}; retry ${attempt + 1} of ${policy.retries} in ${delay} ms`);
      await abortable(policy.sleep(delay), req.signal);
    }
  }
}

/** The error an aborted request fails with. */
function throwIfAborted(req: HttpRequest, what: string): void {
  if (req.signal?.aborted !== true) return;
  throw new LogError('REGISTRY_UNREACHABLE', `couldn't reach ${req.url.host} (${req.method} ${what}): aborted by the caller`, {
    details: { host: req.url.host, reason: 'ABORT_ERR', retryable: false },
  });
}

/** `wait`, cut short when `signal` fires (the caller then sees the abort at its next check). */
function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return wait;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void wait.then(done, done);
  });
}
