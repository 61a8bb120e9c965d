/**
 * Finding what claims to sign an image in its registry (oci-signatures.md
 * §4 step 2, §6 "Reading" steps 2–3): the layers of cosign's legacy
 * `sha256-<hex>.sig` / `.att` manifest, and the referrers whose artifact
 * type is a Sigstore bundle (through the referrers API or the
 * `sha256-<hex>` fallback tag). Nothing here is trusted; each is verified.
 */
import { describeError, isLogError } from '../errors.js';
import type { ImageReference, ReadOptions, RegistryClient } from '../oci/index.js';
import { BUNDLE_MEDIA_TYPE_PREFIX, attestationTag, parseImageManifest, signatureTag, type Descriptor } from '../signing/index.js';

/** Largest signature blob read (a payload, an envelope or a bundle). */
export const MAX_SIGNATURE_BLOB_BYTES = 1024 * 1024;
/** Most bundle referrers examined per image. */
export const MAX_BUNDLES = 100;

/** The manifest at `tag`, or undefined when the registry has none. */
export async function manifestIfAny(registry: RegistryClient, ref: ImageReference, tag: string, opts: ReadOptions = {}): Promise<{ bytes: Uint8Array; digest: string } | undefined> {
  try {
    const got = await registry.getManifest(ref, tag, opts);
    return { bytes: got.bytes, digest: got.descriptor.digest };
  } catch (err) {
    if (isLogError(err, 'REGISTRY_NOT_FOUND')) return undefined;
    throw err;
  }
}

/** The legacy manifest of `digest`: its layers, or why it is unreadable; undefined when there is none. */
export async function legacyLayers(
  registry: RegistryClient,
  ref: ImageReference,
  digest: string,
  kind: 'signature' | 'attestation',
  opts: ReadOptions = {},
): Promise<{ tag: string; layers: readonly Descriptor[] } | { tag: string; problem: string } | undefined> {
  const tag = kind === 'signature' ? signatureTag(digest) : attestationTag(digest);
  const manifest = await manifestIfAny(registry, ref, tag, opts);
  if (manifest === undefined) return undefined;
  try {
    return { tag, layers: parseImageManifest(manifest.bytes).layers };
  } catch (err) {
    return { tag, problem: `unreadable signature manifest: ${describeError(err)}` };
  }
}

/** The referrers of `digest` that may be bundles (artifact type `application/vnd.dev.sigstore.bundle…`, or none given). */
export async function bundleReferrers(registry: RegistryClient, ref: ImageReference, digest: string, opts: ReadOptions = {}): Promise<Descriptor[]> {
  const found = await registry.referrers(ref, digest, undefined, opts);
  return found
    .filter((d) => d.artifactType === undefined || d.artifactType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX))
    .slice(0, MAX_BUNDLES)
    .map((d) => ({ mediaType: d.mediaType, digest: d.digest as `sha256:${string}`, size: d.size }));
}

/**
 * A blob or manifest read for verification: its bytes, or the registry's
 * refusal as a problem. A registry that cannot be reached or refuses access
 * is an error (thrown: it says nothing about one signature), not a verdict
 * on one signature.
 */
export async function readForVerification(read: () => Promise<Uint8Array>): Promise<Uint8Array | { problem: string; code: string }> {
  try {
    return await read();
  } catch (err) {
    if (isLogError(err) && ['REGISTRY_UNREACHABLE', 'REGISTRY_UNAUTHORIZED', 'REGISTRY_DENIED'].includes(err.code)) throw err;
    if (!isLogError(err)) throw err;
    return { problem: describeError(err), code: err.code };
  }
}
