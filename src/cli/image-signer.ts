/**
 * Signing one image digest, as `cairn sign` and `cairn attest` do it
 * (oci-signatures.md §2, §3, §5, §6): build the payload, sign it with the
 * key, log it, attach it to the image in the registry.
 *
 * - legacy signature: simple-signing payload → signature → `hashedrekord`
 *   entry → layer appended at `sha256-<hex>.sig` with the SET bundle annotation;
 * - legacy attestation: in-toto statement in DSSE → `dsse` entry → layer
 *   appended at `sha256-<hex>.att`;
 * - bundle: in-toto statement in DSSE → `dsse` entry → Sigstore bundle v0.3
 *   (inclusion proof, checkpoint, SET) → OCI 1.1 artifact whose subject is the image.
 */
import type { RekorClient, RekorEntry } from '../client/index.js';
import type { HashAlgorithm } from '../entry/index.js';
import type { SigningKey } from '../keys/index.js';
import { repositoryName, type Descriptor, type ImageReference, type RegistryClient } from '../oci/index.js';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  attestationTag,
  bundleArtifactManifest,
  bundleBytes,
  buildBundle,
  dsseEntry,
  dssePae,
  hashedrekordEntry,
  hashedrekordHashAlgorithm,
  inTotoStatement,
  legacyAttestationLayer,
  legacySignatureLayer,
  publicKeyHint,
  signatureTag,
  simpleSigningPayload,
  type DsseEnvelope,
} from '../signing/index.js';
import { appendLayerAtTag, attachBundle } from './attach.js';
import { UsageError } from './exit-codes.js';

/** What signing needs: where the image is, the key, the log, and the clock for the artifact's creation time. */
export interface SignContext {
  readonly registry: RegistryClient;
  readonly log: RekorClient;
  readonly key: SigningKey;
  /** The image's repository (its tag or digest is ignored: the target descriptor names the content). */
  readonly ref: ImageReference;
  readonly now: () => Date;
  readonly progress: (msg: string) => void;
}

/** One signature written to the registry. */
export interface SignatureWritten {
  readonly format: 'legacy' | 'bundle';
  /** The image manifest signed. */
  readonly digest: string;
  /** Legacy: the tag; bundle: the referrer artifact's digest. */
  readonly location: string;
  readonly logIndex: number;
  readonly logEntryUuid: string;
  /** False when the log already held the entry (a repeat). */
  readonly logEntryCreated: boolean;
  /** Legacy: false when the same signature was already attached. */
  readonly attached: boolean;
  /** Bundle: its JSON bytes. */
  readonly bundle?: Uint8Array;
}

/** The hashedrekord digest of a legacy signature by this key (Rekor's pairing: P-256/SHA-256, P-384/SHA-384, RSA/SHA-256). */
function hashedrekordAlgorithm(key: SigningKey): HashAlgorithm {
  if (key.algorithm === 'ed25519') {
    throw new UsageError('an Ed25519 key cannot make a legacy signature (its hashedrekord entry would need Ed25519ph): use --format bundle');
  }
  return hashedrekordHashAlgorithm(key.publicKeySpki);
}

/**
 * Refuses keys whose DSSE signature the log cannot check: Rekor's `dsse`
 * kind (and Cairn's) verifies ECDSA over SHA-256 whatever the curve, and a
 * P-384 key signs with SHA-384.
 */
function checkBundleKey(key: SigningKey): void {
  if (key.algorithm === 'ecdsa-p384-sha384') {
    throw new UsageError('a P-384 key cannot make a bundle (the log checks DSSE signatures over SHA-256): use --format legacy, or a P-256 key');
  }
}

async function submit(ctx: SignContext, proposed: unknown, what: string): Promise<{ entry: RekorEntry; created: boolean }> {
  ctx.progress(`logging ${what} at ${ctx.log.baseUrl}`);
  const { entry, created } = await ctx.log.submit(proposed);
  ctx.progress(`${created ? 'logged' : 'already logged'}: entry ${entry.logIndex} (${entry.uuid})`);
  return { entry, created };
}

/** Legacy `.sig`: signs the simple-signing payload of `target`, logs it, appends the layer. */
export async function signLegacy(ctx: SignContext, target: Descriptor, annotations: Readonly<Record<string, string>>): Promise<SignatureWritten> {
  const hash = hashedrekordAlgorithm(ctx.key);
  const payload = simpleSigningPayload(repositoryName(ctx.ref), target.digest, annotations);
  const signature = await ctx.key.sign(payload);
  const { entry, created } = await submit(ctx, hashedrekordEntry(payload, signature, ctx.key.publicKeyPem, hash), `the signature of ${target.digest}`);
  const tag = signatureTag(target.digest);
  const { appended } = await appendLayerAtTag(ctx.registry, ctx.ref, tag, legacySignatureLayer({ payload, signature, entry }));
  ctx.progress(`${appended ? 'attached' : 'already attached'}: ${repositoryName(ctx.ref)}:${tag}`);
  return { format: 'legacy', digest: target.digest, location: tag, logIndex: entry.logIndex, logEntryUuid: entry.uuid, logEntryCreated: created, attached: appended };
}

/** A DSSE envelope of the in-toto statement about `target`, signed by the key (DSSE keyid empty, as cosign writes it). */
export async function signedStatement(
  ctx: SignContext,
  target: Descriptor,
  predicateType: string,
  predicate: unknown,
  subjectAnnotations?: Readonly<Record<string, string>>,
): Promise<DsseEnvelope> {
  checkBundleKey(ctx.key);
  const payload = inTotoStatement(target.digest, predicateType, predicate, subjectAnnotations);
  const sig = await ctx.key.sign(dssePae(IN_TOTO_PAYLOAD_TYPE, payload));
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [{ keyid: '', sig }] };
}

/** Logs `envelope` as a `dsse` entry. */
export function logEnvelope(ctx: SignContext, envelope: DsseEnvelope, what: string): Promise<{ entry: RekorEntry; created: boolean }> {
  return submit(ctx, dsseEntry(envelope, [ctx.key.publicKeyPem]), what);
}

/** Legacy `.att`: appends the logged attestation's layer. */
export async function attachLegacyAttestation(ctx: SignContext, target: Descriptor, envelope: DsseEnvelope, predicateType: string, logged: { entry: RekorEntry; created: boolean }): Promise<SignatureWritten> {
  const tag = attestationTag(target.digest);
  const { appended } = await appendLayerAtTag(ctx.registry, ctx.ref, tag, legacyAttestationLayer(envelope, predicateType, logged.entry));
  ctx.progress(`${appended ? 'attached' : 'already attached'}: ${repositoryName(ctx.ref)}:${tag}`);
  return { format: 'legacy', digest: target.digest, location: tag, logIndex: logged.entry.logIndex, logEntryUuid: logged.entry.uuid, logEntryCreated: logged.created, attached: appended };
}

/** Bundle: the logged envelope in a v0.3 bundle, attached as a referrer of `target`. */
export async function attachBundleFor(ctx: SignContext, target: Descriptor, envelope: DsseEnvelope, predicateType: string, logged: { entry: RekorEntry; created: boolean }): Promise<SignatureWritten> {
  const bundle = bundleBytes(buildBundle({ entry: logged.entry, content: { dsseEnvelope: envelope }, publicKeyHint: publicKeyHint(ctx.key.publicKeySpki) }));
  const created = ctx.now().toISOString().replace(/\.\d+Z$/, 'Z');
  const artifact = bundleArtifactManifest({
    bundle,
    subject: { mediaType: target.mediaType, digest: target.digest as `sha256:${string}`, size: target.size },
    created,
    content: 'dsse-envelope',
    predicateType,
  });
  const digest = await attachBundle(ctx.registry, ctx.ref, artifact);
  ctx.progress(`attached bundle ${digest} to ${target.digest}`);
  return {
    format: 'bundle',
    digest: target.digest,
    location: digest,
    logIndex: logged.entry.logIndex,
    logEntryUuid: logged.entry.uuid,
    logEntryCreated: logged.created,
    attached: true,
    bundle,
  };
}

/** Bundle signature (cosign v3 `sign`): statement with predicate type `…/cosign/sign/v1`, predicate `{}`, annotations on the subject. */
export async function signBundle(ctx: SignContext, target: Descriptor, annotations: Readonly<Record<string, string>>): Promise<SignatureWritten> {
  const predicateType = COSIGN_SIGN_PREDICATE_TYPE;
  const envelope = await signedStatement(ctx, target, predicateType, {}, annotations);
  const logged = await logEnvelope(ctx, envelope, `the statement about ${target.digest}`);
  return attachBundleFor(ctx, target, envelope, predicateType, logged);
}
