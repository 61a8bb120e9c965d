/**
 * Verifying every signature (attestation) attached to an image digest, one
 * report each, with the signing layer's verification functions: cosign
 * legacy layers (verifyLegacySignature, verifyLegacyAttestation) and bundle
 * referrers (verifyBundleManifest, verifyBundle), whose log evidence the
 * trust (trust.ts) checks with the client library. Online (a log client
 * given), each entry is first read from the log afresh and its new
 * inclusion proof, against the log's current signed checkpoint, is what the
 * verification checks: an entry the log no longer holds is refused.
 *
 * Used by `cairn verify` and by the deploy-time policy (src/policy): one
 * verification library. Registry failures that say nothing about a
 * signature (unreachable, unauthorized, denied, aborted) and log failures
 * are thrown, not reported.
 */
import type { RekorClient } from '../client/index.js';
import type { ImageReference, RegistryClient } from '../oci/index.js';
import {
  ANNOTATION_BUNDLE,
  parseBundle,
  parseCosignBundleAnnotation,
  verifyBundle,
  verifyBundleManifest,
  verifyLegacyAttestation,
  verifyLegacySignature,
  type Descriptor,
  type TlogEntry,
  type TlogVerified,
  type Trust,
  type Verdict,
} from '../signing/index.js';
import { MAX_SIGNATURE_BLOB_BYTES, bundleReferrers, legacyLayers, readForVerification } from './attached.js';

/** The verdict on one signature, as printed. */
export interface SignatureReport {
  readonly format: 'legacy' | 'bundle';
  /** Legacy: `<tag>#<layer>`; bundle: the artifact manifest's digest. */
  readonly where: string;
  readonly ok: boolean;
  /** The refusal's reason code (signing's VerifyReason, or REGISTRY_* when the content could not be read). */
  readonly reason?: string;
  readonly message: string;
  readonly logIndex?: number;
  /** Unix seconds, from the log. */
  readonly integratedTime?: number;
  /** Distinct trusted witnesses that cosigned the checkpoint. */
  readonly witnesses?: number;
  /** The entry was confirmed with a fresh proof from the log. */
  readonly online?: boolean;
}

/** What verification is about and with what. */
export interface VerifyContext {
  readonly registry: RegistryClient;
  readonly ref: ImageReference;
  /** D: the image digest resolved now. */
  readonly digest: string;
  /** The repository the signatures must name (`host/repo`). */
  readonly repository: string;
  readonly trust: Trust;
  /** Confirm entries online with this log (undefined: offline). */
  readonly log: RekorClient | undefined;
  readonly progress: (msg: string) => void;
  /**
   * Aborts the registry reads. Log reads are aborted by the `log` client's
   * own fetch (give it one bound to the same signal).
   */
  readonly signal?: AbortSignal | undefined;
}

/** Reports on the `.sig` (`.att`) layers and bundles of the digest; `predicateType` filters bundles and attestations. */
export async function verifyAll(ctx: VerifyContext, kind: 'signature' | 'attestation', predicateType: string | undefined): Promise<SignatureReport[]> {
  return [...(await verifyLegacy(ctx, kind, predicateType)), ...(await verifyBundles(ctx, predicateType))];
}

async function verifyLegacy(ctx: VerifyContext, kind: 'signature' | 'attestation', predicateType: string | undefined): Promise<SignatureReport[]> {
  const found = await legacyLayers(ctx.registry, ctx.ref, ctx.digest, kind, { signal: ctx.signal });
  if (found === undefined) return [];
  if ('problem' in found) return [{ format: 'legacy', where: found.tag, ok: false, reason: 'MANIFEST_INVALID', message: found.problem }];
  const reports: SignatureReport[] = [];
  for (const [i, descriptor] of found.layers.entries()) {
    const where = `${found.tag}#${i}`;
    const blob = await readForVerification(() => ctx.registry.getBlob(ctx.ref, descriptor, MAX_SIGNATURE_BLOB_BYTES, { signal: ctx.signal }));
    if (!(blob instanceof Uint8Array)) {
      reports.push({ format: 'legacy', where, ok: false, reason: blob.code, message: blob.problem });
      continue;
    }
    const logged = legacyEntry(descriptor);
    const online = await fetchOnline(ctx, logged);
    if (online !== undefined && 'missing' in online) {
      reports.push({ format: 'legacy', where, ok: false, reason: 'TLOG_ENTRY_MISSING', message: online.missing });
      continue;
    }
    const input = { descriptor, blob, imageDigest: ctx.digest, repository: ctx.repository, ...(online === undefined ? {} : { online }) };
    const trust = online === undefined ? ctx.trust : { ...ctx.trust, requireInclusionProof: true };
    const verdict: Verdict<{ readonly tlog: TlogVerified | undefined }> =
      kind === 'signature'
        ? await verifyLegacySignature(input, trust)
        : await verifyLegacyAttestation({ ...input, ...(predicateType === undefined ? {} : { predicateType }) }, trust);
    reports.push(report('legacy', where, verdict, online !== undefined));
  }
  return reports;
}

async function verifyBundles(ctx: VerifyContext, predicateType: string | undefined): Promise<SignatureReport[]> {
  const reports: SignatureReport[] = [];
  for (const d of await bundleReferrers(ctx.registry, ctx.ref, ctx.digest, { signal: ctx.signal })) {
    const where = d.digest;
    const manifest = await readForVerification(async () => (await ctx.registry.getManifest(ctx.ref, d.digest, { signal: ctx.signal })).bytes);
    if (!(manifest instanceof Uint8Array)) {
      reports.push({ format: 'bundle', where, ok: false, reason: manifest.code, message: manifest.problem });
      continue;
    }
    const m = verifyBundleManifest(manifest, d.digest, ctx.digest);
    if (!m.ok) {
      reports.push({ format: 'bundle', where, ok: false, reason: m.reason, message: m.message });
      continue;
    }
    const layer = m.value.layer;
    const bundle = await readForVerification(() => ctx.registry.getBlob(ctx.ref, layer, MAX_SIGNATURE_BLOB_BYTES, { signal: ctx.signal }));
    if (!(bundle instanceof Uint8Array)) {
      reports.push({ format: 'bundle', where, ok: false, reason: bundle.code, message: bundle.problem });
      continue;
    }
    const online = await fetchOnline(ctx, bundleEntry(bundle));
    if (online !== undefined && 'missing' in online) {
      reports.push({ format: 'bundle', where, ok: false, reason: 'TLOG_ENTRY_MISSING', message: online.missing });
      continue;
    }
    const trust = online === undefined ? ctx.trust : { ...ctx.trust, requireInclusionProof: true };
    const verdict = await verifyBundle(
      { bundle, descriptor: layer, imageDigest: ctx.digest, ...(predicateType === undefined ? {} : { predicateType }), ...(online === undefined ? {} : { online }) },
      trust,
    );
    reports.push(report('bundle', where, verdict, online !== undefined));
  }
  return reports;
}

/** The entry a legacy layer's bundle annotation names, if it reads (verification refuses it otherwise). */
function legacyEntry(layer: Descriptor): TlogEntry | undefined {
  const annotation = layer.annotations?.[ANNOTATION_BUNDLE];
  if (annotation === undefined) return undefined;
  try {
    return parseCosignBundleAnnotation(annotation);
  } catch {
    return undefined;
  }
}

/** The first log entry of a bundle, if it reads. */
function bundleEntry(bytes: Uint8Array): TlogEntry | undefined {
  try {
    return parseBundle(JSON.parse(new TextDecoder().decode(bytes))).tlogEntries[0];
  } catch {
    return undefined;
  }
}

/** Online: the entry as the log serves it now (fresh proof), or why it is missing. Offline or no entry: undefined. */
async function fetchOnline(ctx: VerifyContext, entry: TlogEntry | undefined): Promise<TlogEntry | { missing: string } | undefined> {
  if (ctx.log === undefined || entry === undefined) return undefined;
  ctx.progress(`confirming log entry ${entry.logIndex} at ${ctx.log.baseUrl}`);
  const fresh = await ctx.log.entryByBody(entry.body);
  if (fresh === undefined) return { missing: `the log at ${ctx.log.baseUrl} does not hold the entry (index ${entry.logIndex})` };
  return ctx.trust.minWitnesses > 0 ? withCosignedCheckpoint(ctx.log, fresh) : fresh;
}

/**
 * A log may serve witness cosignatures only on its latest checkpoint
 * (`/checkpoint`; Cairn does), not on those of its inclusion proofs. When
 * that note states exactly the proof's tree head (same text: origin, size,
 * root), it is the same checkpoint with more signatures, and the proof is
 * checked against it: the log's signature and the witnesses' are then all
 * verified on one note. Otherwise the proof's own checkpoint is kept.
 */
async function withCosignedCheckpoint(log: RekorClient, fresh: TlogEntry): Promise<TlogEntry> {
  const proof = fresh.inclusionProof;
  if (proof === undefined) return fresh;
  const latest = await log.checkpoint();
  const textOf = (note: string): string => note.slice(0, note.indexOf('\n\n') + 1);
  if (latest === undefined || textOf(latest) === '' || textOf(latest) !== textOf(proof.checkpoint)) return fresh;
  return { ...fresh, inclusionProof: { ...proof, checkpoint: latest } };
}

function report<T extends { readonly tlog: TlogVerified | undefined }>(format: 'legacy' | 'bundle', where: string, v: Verdict<T>, online: boolean): SignatureReport {
  if (!v.ok) return { format, where, ok: false, reason: v.reason, message: v.message };
  const t = v.value.tlog;
  const message =
    t === undefined
      ? 'signature verified (no log entry required)'
      : `signature verified; log entry ${t.logIndex}${t.set ? ', SET' : ''}${t.proofTreeSize === undefined ? '' : `, inclusion proof at tree size ${t.proofTreeSize}`}` +
        `${t.witnesses > 0 ? `, ${t.witnesses} witness${t.witnesses === 1 ? '' : 'es'}` : ''}${online ? ' (fresh from the log)' : ''}`;
  return {
    format,
    where,
    ok: true,
    message,
    ...(t === undefined ? {} : { logIndex: t.logIndex, integratedTime: t.integratedTime, witnesses: t.witnesses }),
    online,
  };
}
