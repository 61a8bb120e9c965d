/**
 * Real test images, built in the test: gzip'd tar layers (ustar, one file),
 * image configs whose `rootfs.diff_ids` are the uncompressed layers' digests,
 * manifests, and a two-platform index; as OCI (image-spec v1.1) or Docker v2
 * schema 2 (manifest list for the index). Pushed with the Cairn client.
 */
import { gzipSync } from 'node:zlib';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  EMPTY_JSON,
  OCI_EMPTY,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  sha256Digest,
  type Descriptor,
  type ImageReference,
  type RegistryClient,
} from '../../src/oci/index.js';

export type ImageFormat = 'oci' | 'docker';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface BuiltManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly blobs: ReadonlyArray<{ readonly descriptor: Descriptor; readonly bytes: Uint8Array }>;
}

export interface PushedImage {
  /** The top-level manifest (the index when there are several platforms). */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly bytes: Uint8Array;
  /** One per platform, in order: each platform's manifest. */
  readonly manifests: ReadonlyArray<{ readonly digest: string; readonly mediaType: string; readonly size: number; readonly platform: Platform }>;
}

export const LINUX_AMD64: Platform = { os: 'linux', architecture: 'amd64' };
export const LINUX_ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

const enc = new TextEncoder();

/** A ustar archive holding one regular file (POSIX.1-2001 ustar header, two zero blocks at the end). */
export function tarOneFile(name: string, content: Uint8Array): Uint8Array {
  const header = Buffer.alloc(512);
  const field = (off: number, len: number, value: string): void => void header.write(value, off, len, 'ascii');
  field(0, 100, name);
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${content.length.toString(8).padStart(11, '0')}\0`);
  field(136, 12, '00000000000\0');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  padded.set(content);
  return new Uint8Array(Buffer.concat([header, padded, Buffer.alloc(1024)]));
}

/** One platform's image: a layer with `/hello` saying `seed` and the platform, its config, its manifest. */
export function buildManifest(format: ImageFormat, platform: Platform, seed: string): BuiltManifest {
  const tar = tarOneFile('hello', enc.encode(`hello from ${seed} on ${platform.os}/${platform.architecture}\n`));
  const layer = new Uint8Array(gzipSync(tar));
  const config = enc.encode(JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: { Cmd: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
  }));
  const configDesc = { mediaType: format === 'oci' ? OCI_CONFIG : DOCKER_CONFIG, digest: sha256Digest(config), size: config.length };
  const layerDesc = { mediaType: format === 'oci' ? OCI_LAYER_GZIP : DOCKER_LAYER_GZIP, digest: sha256Digest(layer), size: layer.length };
  const mediaType = format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST;
  const bytes = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType, config: configDesc, layers: [layerDesc] }));
  return {
    descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, platform: { ...platform } },
    bytes,
    blobs: [{ descriptor: configDesc, bytes: config }, { descriptor: layerDesc, bytes: layer }],
  };
}

/** An index (OCI) or manifest list (Docker) of `children`, with their platforms. */
export function buildIndex(format: ImageFormat, children: readonly BuiltManifest[]): { descriptor: Descriptor; bytes: Uint8Array } {
  const mediaType = format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST;
  const manifests = children.map((c) => ({ mediaType: c.descriptor.mediaType, digest: c.descriptor.digest, size: c.descriptor.size, platform: c.descriptor.platform }));
  const bytes = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
  return { descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

/**
 * Builds and pushes an image to `ref` (its tag, default `latest`): blobs,
 * each platform's manifest by digest, then the top manifest under the tag.
 * One platform gives a plain manifest; two or more an index. `seed` makes the
 * content (and so the digests) unique per call site.
 */
export async function pushTestImage(
  client: RegistryClient,
  ref: ImageReference,
  opts: { platforms?: readonly Platform[]; format?: ImageFormat; seed?: string } = {},
): Promise<PushedImage> {
  const format = opts.format ?? 'oci';
  const platforms = opts.platforms ?? [LINUX_AMD64];
  const seed = opts.seed ?? `${ref.repository}:${ref.tag ?? 'latest'}`;
  const built = platforms.map((p) => buildManifest(format, p, seed));
  for (const m of built) {
    for (const b of m.blobs) await client.putBlob(ref, b.bytes, b.descriptor.mediaType);
  }
  const tag = ref.tag ?? 'latest';
  const manifests = built.map((m) => ({ digest: m.descriptor.digest, mediaType: m.descriptor.mediaType, size: m.descriptor.size, platform: m.descriptor.platform as Platform }));
  const only = built[0];
  if (built.length === 1 && only !== undefined) {
    await client.putManifest(ref, tag, only.bytes, only.descriptor.mediaType);
    return { digest: only.descriptor.digest, mediaType: only.descriptor.mediaType, size: only.descriptor.size, bytes: only.bytes, manifests };
  }
  for (const m of built) await client.putManifest(ref, m.descriptor.digest, m.bytes, m.descriptor.mediaType);
  const index = buildIndex(format, built);
  await client.putManifest(ref, tag, index.bytes, index.descriptor.mediaType);
  return { digest: index.descriptor.digest, mediaType: index.descriptor.mediaType, size: index.descriptor.size, bytes: index.bytes, manifests };
}

/**
 * An OCI 1.1 artifact manifest referring to `subject` (image-spec
 * manifest.md "Guidelines for Artifact Usage"): empty config, one layer with
 * `content` of `artifactType`, `annotations`. Its blobs are pushed; the
 * manifest is returned for the caller to attach.
 */
export async function buildReferrerArtifact(
  client: RegistryClient,
  ref: ImageReference,
  subject: Descriptor,
  opts: { artifactType: string; content: string; annotations?: Record<string, string> },
): Promise<{ bytes: Uint8Array; mediaType: string; digest: string }> {
  const content = enc.encode(opts.content);
  const layer = await client.putBlob(ref, content, opts.artifactType);
  const empty = await client.putBlob(ref, EMPTY_JSON, OCI_EMPTY);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: opts.artifactType,
    config: { mediaType: OCI_EMPTY, digest: empty.digest, size: empty.size },
    layers: [{ mediaType: opts.artifactType, digest: layer.digest, size: layer.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(opts.annotations === undefined ? {} : { annotations: opts.annotations }),
  };
  const bytes = enc.encode(JSON.stringify(manifest));
  return { bytes, mediaType: OCI_MANIFEST, digest: sha256Digest(bytes) };
}
