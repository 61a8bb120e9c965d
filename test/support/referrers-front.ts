/**
 * A referrers-API front for a real test registry, following
 * distribution-spec v1.1 spec.md "Listing Referrers" and "Pushing Manifests
 * with Subject": manifests PUT through it that carry a `subject` are
 * recorded and answered with `OCI-Subject`; `GET /v2/<name>/referrers/<digest>`
 * answers 200 with an OCI index of them (never 404), filtered by
 * `artifactType` (then `OCI-Filters-Applied: artifactType`), paged `pageSize`
 * at a time with `Link: <…>; rel="next"`. Everything else is the registry's.
 * docker-registry 2.8 has no referrers API; this stands in for registries that do.
 */
import { createHash } from 'node:crypto';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersFront {
  readonly host: string;
  readonly proxy: FaultProxy;
  /** Recorded referrers per `<name>@<subject digest>`. */
  readonly referrers: Map<string, Entry[]>;
  close(): Promise<void>;
}

export async function startReferrersFront(upstreamHost: string, opts: { pageSize?: number } = {}): Promise<ReferrersFront> {
  const proxy = await startFaultProxy(upstreamHost);
  const referrers = new Map<string, Entry[]>();
  const pageSize = opts.pageSize ?? 100;
  proxy.fault = (req) => {
    const url = new URL(req.url, 'http://front');
    const list = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && list !== null) {
      const artifactType = url.searchParams.get('artifactType');
      const all = (referrers.get(`${list[1]}@${list[2]}`) ?? []).filter((e) => artifactType === null || e.artifactType === artifactType);
      const start = Number(url.searchParams.get('last') ?? '0');
      const page = all.slice(start, start + pageSize);
      const headers: Record<string, string> = { 'Content-Type': 'application/vnd.oci.image.index.v1+json' };
      if (artifactType !== null) headers['OCI-Filters-Applied'] = 'artifactType';
      if (start + pageSize < all.length) {
        const next = new URLSearchParams(url.searchParams);
        next.set('last', String(start + pageSize));
        headers['Link'] = `<${url.pathname}?${next.toString()}>; rel="next"`;
      }
      return { kind: 'answer', status: 200, headers, body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: page }) };
    }
    const put = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
    if (req.method === 'PUT' && put !== null) {
      let manifest: { subject?: { digest?: string }; artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> };
      try {
        manifest = JSON.parse(req.body.toString('utf8')) as typeof manifest;
      } catch {
        return undefined;
      }
      const subject = manifest.subject?.digest;
      if (subject === undefined) return undefined;
      return {
        kind: 'rewrite',
        body: (b) => b,
        headers: (h) => {
          if (h['docker-content-digest'] === undefined) return h;
          const key = `${put[1]}@${subject}`;
          const digest = `sha256:${createHash('sha256').update(req.body).digest('hex')}`;
          const entries = referrers.get(key) ?? [];
          if (!entries.some((e) => e.digest === digest)) {
            const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
            entries.push({
              mediaType: String(req.headers['content-type']),
              digest,
              size: req.body.length,
              ...(artifactType === undefined ? {} : { artifactType }),
              ...(manifest.annotations === undefined ? {} : { annotations: manifest.annotations }),
            });
          }
          referrers.set(key, entries);
          return { ...h, 'oci-subject': subject };
        },
      };
    }
    return undefined;
  };
  return { host: proxy.host, proxy, referrers, close: () => proxy.close() };
}
