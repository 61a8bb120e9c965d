/**
 * The registry client: resolve, fetch and push manifests and blobs, list and
 * attach referrers (distribution-spec v1.1 spec.md "Pull", "Push",
 * "Listing Referrers"). Every manifest is handled as its exact bytes: its
 * digest is the sha256 of those bytes, recomputed on every fetch, never of a
 * re-serialisation.
 */
import { systemClock } from '../clock.js';
import { LogError } from '../errors.js';
import { RegistryApi } from './api.js';
import type { CredentialSource } from './credentials.js';
import { isSha256Digest, requireSha256Digest, sha256Digest } from './digest.js';
import { MANIFEST_MEDIA_TYPES, type Descriptor } from './media-types.js';
import { formatReference, type ImageReference } from './reference.js';
import { attachReferrer, listReferrers } from './referrers.js';
import { DEFAULT_RETRIES, realSleep } from './retry.js';
import { contentType, header } from './headers.js';
import type { HttpResponse } from './transport.js';

export interface RegistryClientOptions {
  /** Plain HTTP instead of HTTPS (`--insecure-registry`); also allows a plain-HTTP token realm. */
  insecure?: boolean;
  /** PEM file of CAs trusted in addition to Node's bundled roots (`--registry-ca`). */
  caFile?: string | undefined;
  /** Where credentials come from when a registry asks; anonymous when absent. */
  credentials?: CredentialSource;
  /** Retries after the first attempt on 429/5xx/broken connections (default 4). */
  retries?: number;
  userAgent?: string;
  /** Progress lines (retries, uploads) for a CLI's stderr. */
  onProgress?: (msg: string) => void;
  /** Waits between retries; tests inject one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1) for backoff jitter. */
  random?: () => number;
  /** Socket inactivity limit per request, ms (default 60 000). */
  timeoutMs?: number;
}

/** Per-call options of the reading methods. */
export interface ReadOptions {
  /** Aborts the call: its requests, retries and waits (REGISTRY_UNREACHABLE, `details.reason` ABORT_ERR). */
  readonly signal?: AbortSignal | undefined;
}

/** Manifests and indexes larger than this are refused (distribution 2.8 accepts at most 4 MiB too). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Default limit for {@link RegistryClient.getBlob}. */
export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;

const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');

export class RegistryClient {
  readonly #api: RegistryApi;
  readonly #progress: ((msg: string) => void) | undefined;
  /** Tail of the queue of fallback-tag updates, per tag. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(opts: RegistryClientOptions = {}) {
    const clock = systemClock();
    this.#progress = opts.onProgress;
    this.#api = new RegistryApi({
      insecure: opts.insecure === true,
      caFile: opts.caFile,
      credentials: opts.credentials,
      userAgent: opts.userAgent ?? 'cairn',
      timeoutMs: opts.timeoutMs ?? 60_000,
      onProgress: opts.onProgress,
      retry: {
        retries: opts.retries ?? DEFAULT_RETRIES,
        baseDelayMs: 250,
        maxDelayMs: 10_000,
        sleep: opts.sleep ?? realSleep,
        random: opts.random ?? Math.random,
        now: () => clock.now(),
      },
    });
  }

  /**
   * The descriptor of the manifest `ref` names (its digest when it has one,
   * else its tag, else `latest`): HEAD, and GET when the HEAD is refused or
   * lacks a digest or a media type. Throws REGISTRY_NOT_FOUND for an unknown
   * tag or digest.
   */
  async resolve(ref: ImageReference, opts: ReadOptions = {}): Promise<Descriptor> {
    const reference = referenceOf(ref);
    const res = await this.#api.send(ref, {
      method: 'HEAD',
      path: `manifests/${reference}`,
      headers: { Accept: ACCEPT_MANIFESTS },
      maxBytes: 0,
      what: `manifest ${formatReference(ref)}`,
      // A refused HEAD has no body to explain itself: the GET below repeats the question and carries the registry's error.
      accept: [400, 403, 404, 405, 406],
      signal: opts.signal,
    });
    const digest = header(res, 'docker-content-digest');
    const mediaType = contentType(res);
    const size = Number(header(res, 'content-length') ?? NaN);
    if (res.status === 200 && digest !== undefined && isSha256Digest(digest) && mediaType !== undefined && MANIFEST_MEDIA_TYPES.includes(mediaType) && Number.isSafeInteger(size) && size > 0) {
      if (ref.digest !== undefined && digest !== ref.digest) throw mismatch(`manifest ${formatReference(ref)}`, ref.digest, digest);
      return { mediaType, digest, size };
    }
    return (await this.getManifest(ref, reference, opts)).descriptor;
  }

  /**
   * GETs a manifest or index by tag or digest, accepting all four manifest
   * types. MUST check the sha256 of the bytes against a digest reference,
   * and against the registry's `Docker-Content-Digest`; throws
   * REGISTRY_DIGEST_MISMATCH otherwise. The descriptor's digest is computed.
   */
  async getManifest(ref: ImageReference, reference: string, opts: ReadOptions = {}): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
    const what = `manifest ${ref.registry}/${ref.repository}${isSha256Digest(reference) ? '@' : ':'}${reference}`;
    const res = await this.#api.send(ref, { method: 'GET', path: `manifests/${reference}`, headers: { Accept: ACCEPT_MANIFESTS }, maxBytes: MAX_MANIFEST_BYTES, what, signal: opts.signal });
    const bytes = res.body;
    const digest = sha256Digest(bytes);
    if (isSha256Digest(reference) && reference !== digest) throw mismatch(what, reference, digest);
    const claimed = header(res, 'docker-content-digest');
    if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) throw mismatch(what, claimed, digest);
    const mediaType = manifestMediaType(what, res, bytes);
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  /**
   * PUTs `bytes` as a manifest of `mediaType` under `reference` (a tag, or
   * the bytes' own digest). The blobs it names must already be pushed.
   */
  async putManifest(ref: ImageReference, reference: string, bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    return (await this.putManifestWithHeaders(ref, reference, bytes, mediaType)).descriptor;
  }

  /** {@link putManifest}, also handing back the response (its `OCI-Subject` header). Used by the referrers code. */
  async putManifestWithHeaders(ref: ImageReference, reference: string, bytes: Uint8Array, mediaType: string, ifMatch?: string): Promise<{ descriptor: Descriptor; response: HttpResponse }> {
    const digest = sha256Digest(bytes);
    const what = `manifest ${ref.registry}/${ref.repository}${isSha256Digest(reference) ? '@' : ':'}${reference}`;
    if (bytes.length > MAX_MANIFEST_BYTES) throw new LogError('REGISTRY_PROTOCOL', `couldn't push ${what}: ${bytes.length} bytes is over the ${MAX_MANIFEST_BYTES}-byte manifest limit`);
    if (isSha256Digest(reference) && reference !== digest) throw mismatch(what, reference, digest);
    const response = await this.#api.send(ref, {
      method: 'PUT',
      path: `manifests/${reference}`,
      headers: { 'Content-Type': mediaType, ...(ifMatch === undefined ? {} : { 'If-Match': ifMatch }) },
      body: bytes,
      maxBytes: 65_536,
      push: true,
      what,
    });
    const stored = header(response, 'docker-content-digest');
    if (stored !== undefined && stored.startsWith('sha256:') && stored !== digest) throw mismatch(what, digest, stored);
    return { descriptor: { mediaType, digest, size: bytes.length }, response };
  }

  /**
   * GETs the blob `desc` names, following redirects (without credentials to
   * other hosts). MUST refuse a `desc.size` over `maxBytes` before fetching,
   * and content whose size or sha256 differs from `desc` (REGISTRY_DIGEST_MISMATCH).
   */
  async getBlob(ref: ImageReference, desc: Descriptor, maxBytes = DEFAULT_MAX_BLOB_BYTES, opts: ReadOptions = {}): Promise<Uint8Array> {
    const digest = requireSha256Digest(desc.digest, 'a blob descriptor');
    const what = `blob ${digest} of ${ref.registry}/${ref.repository}`;
    if (!Number.isSafeInteger(desc.size) || desc.size < 0 || desc.size > maxBytes) {
      throw new LogError('REGISTRY_PROTOCOL', `couldn't fetch ${what}: its size ${desc.size} is not within 0..${maxBytes} bytes`);
    }
    const res = await this.#api.send(ref, { method: 'GET', path: `blobs/${digest}`, maxBytes: desc.size, what, signal: opts.signal });
    if (res.body.length !== desc.size) {
      throw new LogError('REGISTRY_DIGEST_MISMATCH', `couldn't fetch ${what}: got ${res.body.length} bytes, the descriptor says ${desc.size}`, { details: { expected: desc.size, actual: res.body.length } });
    }
    const actual = sha256Digest(res.body);
    if (actual !== digest) throw mismatch(what, digest, actual);
    return res.body;
  }

  /**
   * Pushes `bytes` as a blob unless `HEAD blobs/<digest>` says the
   * repository has it: POST an upload, then PUT the bytes to its `Location`
   * (relative or absolute, its query kept) with `?digest=` (spec.md "Pushing
   * a blob monolithically", POST then PUT).
   */
  async putBlob(ref: ImageReference, bytes: Uint8Array, mediaType = 'application/octet-stream'): Promise<Descriptor> {
    const digest = sha256Digest(bytes);
    const desc: Descriptor = { mediaType, digest, size: bytes.length };
    const what = `blob ${digest} to ${ref.registry}/${ref.repository}`;
    const head = await this.#api.send(ref, { method: 'HEAD', path: `blobs/${digest}`, maxBytes: 0, push: true, accept: [404], what });
    if (head.status === 200) return desc;
    this.#progress?.(`pushing ${what} (${bytes.length} bytes)`);
    const started = await this.#api.send(ref, { method: 'POST', path: 'blobs/uploads/', maxBytes: 65_536, push: true, what, headers: { 'Content-Length': '0' } });
    const location = header(started, 'location');
    if (started.status !== 202 || location === undefined) {
      throw new LogError('REGISTRY_PROTOCOL', `couldn't push ${what}: starting the upload answered ${started.status}${location === undefined ? ' without a Location' : ''}`);
    }
    const target = new URL(location, started.url);
    target.searchParams.append('digest', digest);
    const done = await this.#api.send(ref, {
      method: 'PUT',
      path: target,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
      maxBytes: 65_536,
      push: true,
      what,
    });
    if (done.status !== 201) throw new LogError('REGISTRY_PROTOCOL', `couldn't push ${what}: completing the upload answered ${done.status}, not 201`);
    return desc;
  }

  /**
   * Descriptors of the manifests whose `subject` is `subject` (a sha256
   * digest) in `ref`'s repository, optionally only those of `artifactType`.
   * The referrers API counts only when it answers 200 with an OCI index
   * (`Link` pages followed); otherwise the index at tag `sha256-<hex>` is read.
   * None is `[]`.
   */
  referrers(ref: ImageReference, subject: string, artifactType?: string, opts: ReadOptions = {}): Promise<Descriptor[]> {
    return listReferrers(this.#api, ref, subject, artifactType, opts.signal);
  }

  /**
   * Pushes `manifestBytes` (a manifest with a `subject`, its blobs already
   * pushed) by its digest and makes it listable by {@link referrers}: when
   * the registry does not answer `OCI-Subject`, adds it to the fallback index
   * at `sha256-<hex>` with its `artifactType` and all its annotations, never
   * twice. Updates of one tag through one client are serialized.
   */
  attachReferrer(ref: ImageReference, manifestBytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    return attachReferrer(this, this.#api, (key, fn) => this.#serialize(key, fn), ref, manifestBytes, mediaType);
  }

  /** Runs `fn` after every earlier task queued under `key` has settled. */
  #serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(key, tail);
    void tail.then(() => {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    });
    return run;
  }

  /** Closes idle keep-alive connections. The client MUST NOT be used afterwards. */
  close(): void {
    this.#api.close();
  }
}

/** The digest when the reference has one (it names the content), else the tag, else `latest` as docker does. */
function referenceOf(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}


/** The Content-Type when it is a manifest type, else the body's own `mediaType`. */
function manifestMediaType(what: string, res: HttpResponse, bytes: Uint8Array): string {
  const ct = contentType(res);
  if (ct !== undefined && MANIFEST_MEDIA_TYPES.includes(ct)) return ct;
  let declared: unknown;
  try {
    declared = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown }).mediaType;
  } catch {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: it is not JSON (Content-Type ${ct ?? 'none'})`);
  }
  if (typeof declared === 'string' && MANIFEST_MEDIA_TYPES.includes(declared)) return declared;
  throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: unsupported manifest type ${JSON.stringify(ct ?? declared ?? null)}`);
}

function mismatch(what: string, expected: string, actual: string): LogError {
  return new LogError('REGISTRY_DIGEST_MISMATCH', `couldn't use ${what}: its content has digest ${actual}, expected ${expected}`, { details: { expected, actual } });
}
