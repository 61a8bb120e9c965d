/**
 * Puts containers/image's cosign-signed test images into a test registry: the image manifest at a tag, and its cosign
 * signature as cosign stores it (`sha256-<hex>.sig`, one simple-signing
 * layer with the signature's annotations).
 *
 * The fixture manifests reference layers that are not in the fixtures, and
 * the registry refuses a manifest PUT whose blobs it lacks; so the manifest
 * is written into the registry's filesystem storage in distribution's own
 * layout (storage/paths.go: the blob under blobs/, the revision and tag
 * links under the repository), from where the registry serves it over its
 * API like any other. The signature goes through the API.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseImageReference, sha256Digest, type RegistryClient } from '../../src/oci/index.js';
import { appendSignatureLayer, describe, signatureTag } from '../../src/signing/index.js';
import type { TestRegistry } from './registry.js';

/**
 * Where the images are: `CAIRN_COSIGN_IMAGES`, else `testvectors/cosign-images`
 * in the project's shared folder beside the repository (`../shared`), which
 * holds test data taken from other projects; this repository does not. The
 * folder holds, from containers/image's `signature/fixtures/` (Apache-2.0):
 * `key-rekor-valid/`, `fulcio-rekor-valid/`, `valid/` (each `manifest.json`
 * and `signature-1` of `dir-img-cosign-<name>/`), `modified-manifest/manifest.json`
 * and `cosign.pub`.
 */
export const COSIGN_IMAGES =
  process.env['CAIRN_COSIGN_IMAGES'] ??
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'testvectors', 'cosign-images');

/** True when the cosign-signed test images are present (see COSIGN_IMAGES). */
export function hasCosignImages(): boolean {
  return existsSync(join(COSIGN_IMAGES, 'key-rekor-valid', 'signature-1'));
}

/** One `signature-N` file: header `\0sigstore-json\n`, then `{mimeType, payload, annotations}`. */
export interface FixtureSignature {
  readonly mimeType: string;
  readonly payload: Uint8Array;
  readonly annotations: Record<string, string>;
}

export function readFixtureSignature(fixture: string, n = 1): FixtureSignature {
  const raw = readFileSync(join(COSIGN_IMAGES, fixture, `signature-${n}`));
  const header = '\0sigstore-json\n';
  if (raw.subarray(0, header.length).toString('latin1') !== header) throw new Error(`${fixture}/signature-${n}: not a sigstore-json signature`);
  const json = JSON.parse(raw.subarray(header.length).toString('utf8')) as { mimeType: string; payload: string; annotations: Record<string, string> };
  return { mimeType: json.mimeType, payload: Buffer.from(json.payload, 'base64'), annotations: json.annotations };
}

/**
 * Stores `fixture`'s manifest.json at `<registry>/<repo>:<tag>` (in the
 * registry's storage) and returns the reference and digest.
 */
export function storeFixtureManifest(registry: TestRegistry, fixture: string, repo: string, tag: string): { ref: string; digest: string } {
  const bytes = readFileSync(join(COSIGN_IMAGES, fixture, 'manifest.json'));
  const digest = sha256Digest(bytes);
  const hex = digest.slice('sha256:'.length);
  const v2 = join(registry.dir, 'data', 'docker', 'registry', 'v2');
  const write = (path: string, data: Uint8Array | string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  };
  write(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), bytes);
  const manifests = join(v2, 'repositories', ...repo.split('/'), '_manifests');
  write(join(manifests, 'revisions', 'sha256', hex, 'link'), digest);
  write(join(manifests, 'tags', tag, 'current', 'link'), digest);
  write(join(manifests, 'tags', tag, 'index', 'sha256', hex, 'link'), digest);
  return { ref: `${registry.host}/${repo}:${tag}`, digest };
}

/** Appends the fixture's signature as a layer of the `.sig` manifest of `digest` in `ref`'s repository. */
export async function pushFixtureSignature(client: RegistryClient, ref: string, digest: string, sig: FixtureSignature): Promise<void> {
  const image = parseImageReference(ref);
  const tag = signatureTag(digest);
  let existing: Uint8Array | undefined;
  try {
    existing = (await client.getManifest(image, tag)).bytes;
  } catch {
    existing = undefined;
  }
  const { manifest } = appendSignatureLayer(existing, { descriptor: describe(sig.mimeType, sig.payload, sig.annotations), bytes: sig.payload });
  for (const b of manifest.blobs) await client.putBlob(image, b.bytes, b.descriptor.mediaType);
  await client.putManifest(image, tag, manifest.bytes, manifest.mediaType);
}
