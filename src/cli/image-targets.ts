/**
 * What `cairn sign` and `cairn attest` share once their flags are read: open
 * the key and the registry, resolve IMAGE to the digest of its exact manifest
 * bytes (printed first in text output), write for the image and, with
 * `--recursive`, for every platform manifest of an index, write the top
 * image's bundle to `--bundle-out`, and close what was opened, whatever
 * happens.
 */
import { writeFileSync } from 'node:fs';
import { LogError } from '../errors.js';
import { formatReference, isIndexMediaType, withDigest, type Descriptor, type ImageReference, type RegistryClient } from '../oci/index.js';
import type { RekorClient } from '../client/index.js';
import { parseDescriptor } from '../signing/index.js';
import type { SignContext, SignatureWritten } from './image-signer.js';
import { openKey, registryClient, type Io } from './image-options.js';

export interface TargetRun {
  readonly ref: ImageReference;
  readonly log: RekorClient;
  /** `--key`: a key file or a pkcs11: URI. */
  readonly keyRef: string;
  /** The parsed flags (registry settings are read from them). */
  readonly values: Record<string, unknown>;
  readonly output: 'text' | 'json';
  readonly recursive: boolean;
  readonly bundleOut: unknown;
}

/** Runs `each` for every target; returns the resolved image and everything written, in order. */
export async function writeForTargets(
  run: TargetRun,
  io: Io,
  each: (ctx: SignContext, target: Descriptor) => Promise<SignatureWritten[]>,
): Promise<{ top: Descriptor; written: SignatureWritten[] }> {
  const registry = registryClient(run.values, io);
  const key = await openKey(run.keyRef, io);
  try {
    const progress = (msg: string): void => io.err(`cairn: ${msg}\n`);
    progress(`resolving ${formatReference(run.ref)}`);
    const top = await registry.resolve(run.ref);
    if (run.output === 'text') io.out(`${top.digest}\n`);
    const targets = run.recursive ? await withPlatforms(registry, run.ref, top) : [top];
    const ctx: SignContext = { registry, log: run.log, key, ref: run.ref, now: () => new Date(), progress };
    const written: SignatureWritten[] = [];
    for (const target of targets) written.push(...(await each(ctx, target)));
    const topBundle = written.find((w) => w.format === 'bundle' && w.digest === top.digest)?.bundle;
    if (typeof run.bundleOut === 'string' && topBundle !== undefined) writeFileSync(run.bundleOut, topBundle);
    return { top, written };
  } finally {
    await key.close();
    registry.close();
  }
}

/** The index's platform manifests after the index itself (`--recursive`). */
export async function withPlatforms(registry: RegistryClient, ref: ImageReference, top: Descriptor): Promise<Descriptor[]> {
  if (!isIndexMediaType(top.mediaType)) return [top];
  const { bytes } = await registry.getManifest(withDigest(ref, top.digest), top.digest);
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { manifests?: unknown };
  if (!Array.isArray(json.manifests)) throw new LogError('REGISTRY_PROTOCOL', `couldn't sign the platforms of ${top.digest}: the index has no manifests list`);
  const children = json.manifests.map((m, i) => parseDescriptor(m, `manifests[${i}]`));
  return [top, ...children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size }))];
}
