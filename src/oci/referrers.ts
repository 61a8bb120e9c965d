/**
 * Referrers (distribution-spec v1.1 spec.md "Listing Referrers", "Referrers
 * Tag Schema"; image-spec manifest.md `subject`). Reading: the referrers
 * API is authoritative only when it answers 200 with an OCI index (as ggcr
 * and @sigstore/oci read it); any other answer falls back to the index kept
 * at tag `sha256-<hex>`. Writing: PUT the manifest by digest; a registry
 * that indexed the subject says so with `OCI-Subject`, otherwise the client
 * keeps the fallback index itself.
 */
import { LogError } from '../errors.js';
import type { RegistryApi } from './api.js';
import type { RegistryClient } from './client.js';
import { fallbackTag, isSha256Digest, requireSha256Digest, sha256Digest } from './digest.js';
import { OCI_INDEX, type Descriptor } from './media-types.js';
import type { ImageReference } from './reference.js';
import { contentType, header } from './headers.js';
import type { HttpResponse } from './transport.js';

const MAX_INDEX_BYTES = 4 * 1024 * 1024;
const MAX_PAGES = 64;
/** Read-modify-write rounds of the fallback index before giving up on concurrent writers. */
const MAX_ROUNDS = 5;

/**
 * Every referrer of `subject` in `ref`'s repository, optionally only those
 * of `artifactType` (filtered here too, whether or not the registry did).
 * Follows `Link: <…>; rel="next"` pages. No referrers is `[]`, never an error.
 */
export async function listReferrers(api: RegistryApi, ref: ImageReference, subject: string, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[]> {
  requireSha256Digest(subject, 'a referrers subject');
  const what = `referrers of ${subject} in ${ref.registry}/${ref.repository}`;
  const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
  let res = await api.send(ref, { method: 'GET', path: `referrers/${subject}${query}`, headers: { Accept: OCI_INDEX }, maxBytes: MAX_INDEX_BYTES, what, accept: [400, 404, 405, 406], signal });
  let found: Descriptor[];
  if (res.status === 200 && contentType(res) === OCI_INDEX) {
    found = [];
    for (let page = 1; ; page++) {
      found.push(...readIndex(what, res.body).entries);
      const next = nextLink(res);
      if (next === undefined) break;
      if (page >= MAX_PAGES) throw new LogError('REGISTRY_PROTOCOL', `couldn't list ${what}: more than ${MAX_PAGES} pages`);
      res = await api.send(ref, { method: 'GET', path: next, headers: { Accept: OCI_INDEX }, maxBytes: MAX_INDEX_BYTES, what, signal });
    }
  } else {
    found = (await readFallback(api, ref, subject, signal)).entries;
  }
  return artifactType === undefined ? found : found.filter((d) => d.artifactType === artifactType);
}

/**
 * PUTs `manifestBytes` (a manifest with a `subject`) by its digest and makes
 * it listable as a referrer of that subject. Without `OCI-Subject` in the
 * answer, updates the fallback index at `sha256-<hex>`: read it (404 is
 * empty), stop if the digest is listed, append
 * `{mediaType,digest,size,artifactType,annotations}` (`artifactType`, else the
 * config's media type; all annotations), PUT it with `If-Match` when the
 * registry gave an ETag, then read it back and repeat if a concurrent writer
 * replaced it. Registries that ignore `If-Match` (distribution 2.8 does) can
 * still lose an entry to a writer whose read preceded this write and whose
 * write follows this check: the tag schema has no atomic update.
 */
export async function attachReferrer(
  client: RegistryClient,
  api: RegistryApi,
  serialize: <T>(key: string, fn: () => Promise<T>) => Promise<T>,
  ref: ImageReference,
  manifestBytes: Uint8Array,
  mediaType: string,
): Promise<Descriptor> {
  const manifest = parseJsonObject(manifestBytes, 'the referrer manifest');
  const subject = manifest['subject'] as { digest?: unknown } | undefined;
  if (typeof subject !== 'object' || subject === null || !isSha256Digest(String(subject.digest))) {
    throw new LogError('BAD_REQUEST', "couldn't attach a referrer: the manifest has no subject with a sha256 digest");
  }
  const digest = sha256Digest(manifestBytes);
  const { response } = await client.putManifestWithHeaders(ref, digest, manifestBytes, mediaType);
  const entry = referrerEntry(manifest, mediaType, digest, manifestBytes.length);
  if (header(response, 'oci-subject') !== undefined) return entry;
  const tag = fallbackTag(String(subject.digest));
  await serialize(`${ref.registry}/${ref.repository}:${tag}`, () => addToFallback(api, ref, String(subject.digest), entry));
  return entry;
}

async function addToFallback(api: RegistryApi, ref: ImageReference, subject: string, entry: Descriptor): Promise<void> {
  const tag = fallbackTag(subject);
  const what = `referrers tag ${tag} of ${ref.registry}/${ref.repository}`;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await readFallback(api, ref, subject);
    if (current.entries.some((d) => d.digest === entry.digest)) return;
    if (round > 0) api.progress(`${what} was replaced by another writer; adding ${entry.digest} again`);
    const index = { ...current.raw, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current.rawEntries, entry] };
    const bytes = new TextEncoder().encode(JSON.stringify(index));
    if (bytes.length > MAX_INDEX_BYTES) throw new LogError('REGISTRY_PROTOCOL', `couldn't update ${what}: the index would exceed ${MAX_INDEX_BYTES} bytes`);
    const put = await api.send(ref, {
      method: 'PUT',
      path: `manifests/${tag}`,
      headers: { 'Content-Type': OCI_INDEX, ...(current.etag === undefined ? {} : { 'If-Match': current.etag }) },
      body: bytes,
      maxBytes: 65_536,
      push: true,
      what,
      accept: [412],
    });
    if (put.status === 412) continue;
    const after = await readFallback(api, ref, subject);
    if (after.entries.some((d) => d.digest === entry.digest)) return;
  }
  throw new LogError('REGISTRY_PROTOCOL', `couldn't update ${what}: other writers replaced it ${MAX_ROUNDS} times in a row`);
}

interface FallbackIndex {
  readonly entries: Descriptor[];
  readonly rawEntries: unknown[];
  readonly raw: Record<string, unknown>;
  readonly etag: string | undefined;
}

/** The fallback index at `sha256-<hex>`; a 404 is an empty one. */
async function readFallback(api: RegistryApi, ref: ImageReference, subject: string, signal?: AbortSignal): Promise<FallbackIndex> {
  const tag = fallbackTag(subject);
  const what = `referrers tag ${tag} of ${ref.registry}/${ref.repository}`;
  const res = await api.send(ref, { method: 'GET', path: `manifests/${tag}`, headers: { Accept: OCI_INDEX }, maxBytes: MAX_INDEX_BYTES, what, accept: [404], signal });
  if (res.status === 404) return { entries: [], rawEntries: [], raw: {}, etag: undefined };
  const claimed = header(res, 'docker-content-digest');
  if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== sha256Digest(res.body)) {
    throw new LogError('REGISTRY_DIGEST_MISMATCH', `couldn't read ${what}: its content does not have the digest the registry claims`);
  }
  const ct = contentType(res);
  const parsed = readIndex(what, res.body);
  if (ct !== OCI_INDEX && parsed.raw['mediaType'] !== OCI_INDEX) throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: it holds ${ct ?? 'an unknown type'}, not an OCI index`);
  return { ...parsed, etag: header(res, 'etag') };
}

function readIndex(what: string, bytes: Uint8Array): { entries: Descriptor[]; rawEntries: unknown[]; raw: Record<string, unknown> } {
  const raw = parseJsonObject(bytes, what);
  const list = raw['manifests'];
  if (!Array.isArray(list)) throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: the index has no "manifests" array`);
  const entries: Descriptor[] = [];
  for (const item of list) {
    const d = toDescriptor(item);
    if (d !== undefined) entries.push(d);
  }
  return { entries, rawEntries: list, raw };
}

/** A descriptor from untrusted JSON, or undefined when it is not one (it is then skipped, not fatal). */
function toDescriptor(item: unknown): Descriptor | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as Record<string, unknown>;
  if (typeof o['mediaType'] !== 'string' || typeof o['digest'] !== 'string' || !isSha256Digest(o['digest'])) return undefined;
  if (typeof o['size'] !== 'number' || !Number.isSafeInteger(o['size']) || o['size'] < 0) return undefined;
  const d: Descriptor = { mediaType: o['mediaType'], digest: o['digest'], size: o['size'] };
  if (typeof o['artifactType'] === 'string') d.artifactType = o['artifactType'];
  const ann = o['annotations'];
  if (typeof ann === 'object' && ann !== null && !Array.isArray(ann)) {
    d.annotations = Object.fromEntries(Object.entries(ann).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return d;
}

function referrerEntry(manifest: Record<string, unknown>, mediaType: string, digest: string, size: number): Descriptor {
  const config = manifest['config'] as { mediaType?: unknown } | undefined;
  const artifactType = typeof manifest['artifactType'] === 'string' ? manifest['artifactType'] : typeof config?.mediaType === 'string' ? config.mediaType : undefined;
  const ann = manifest['annotations'];
  const annotations = typeof ann === 'object' && ann !== null && !Array.isArray(ann) ? Object.fromEntries(Object.entries(ann).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;
  return { mediaType, digest, size, ...(artifactType === undefined ? {} : { artifactType }), ...(annotations === undefined ? {} : { annotations }) };
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: it is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LogError('REGISTRY_PROTOCOL', `couldn't read ${what}: it is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** RFC 8288 `Link: <url>; rel="next"`, resolved against the request URL. */
function nextLink(res: HttpResponse): URL | undefined {
  const link = header(res, 'link');
  if (link === undefined) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m !== null && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2] ?? '')) return new URL(m[1] ?? '', res.url);
  }
  return undefined;
}

