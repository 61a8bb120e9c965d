/**
 * Verifying one layer of a legacy `.sig` manifest (oci-signatures.md §4),
 * in containers/image's order: blob → SET (log key by logID) and inclusion
 * proof → logged body matches signature, payload hash and key → signature
 * over the payload under a trusted key → only then the payload: its digest
 * is D (resolved now) and its reference names the repository.
 * Certificates (keyless) are refused: trust is in keys.
 */
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_SIGNATURE,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from '../media-types.js';
import { b64 } from '../json.js';
import type { Descriptor } from '../oci-descriptor.js';
import { parseSimpleSigningPayload, type SimpleSigningClaims } from '../simple-signing.js';
import type { TlogEntry } from '../tlog-entry.js';
import { checkBlob } from './blob.js';
import type { SignedMaterial } from './body.js';
import { layerEntry, verifyLogged } from './logged.js';
import { sameRepository } from './reference.js';
import type { TlogVerified } from './tlog.js';
import type { Trust } from './trust.js';
import { readOr, refuse, verdictOfAsync, type Verdict } from './verdict.js';

/** One legacy layer and what it must be about. */
export interface LegacyLayerInput {
  /** The layer's descriptor from the `.sig` manifest (with its annotations). */
  readonly descriptor: Descriptor;
  /** The layer blob as fetched. */
  readonly blob: Uint8Array;
  /** D: the image digest resolved now. */
  readonly imageDigest: string;
  /** The repository verified, e.g. `registry.example:5000/team/app`. */
  readonly repository: string;
  /**
   * The entry as the log serves it now (a Rekor v1 response, read by the client library),
   * with a fresh inclusion proof. Its proof is checked against the layer's
   * entry; without a bundle annotation it is the entry.
   */
  readonly online?: TlogEntry;
}

/** A verified legacy signature. */
export interface LegacyVerified {
  /** Index into the policy's signerKeys. */
  readonly signerIndex: number;
  readonly claims: SimpleSigningClaims;
  /** Undefined only when the policy does not require the log and there was no entry. */
  readonly tlog: TlogVerified | undefined;
}

/** Verifies one `.sig` layer; the verdict's reason says which step refused. */
export function verifyLegacySignature(input: LegacyLayerInput, trust: Trust): Promise<Verdict<LegacyVerified>> {
  return verdictOfAsync(async () => {
    const { descriptor, blob } = input;
    if (descriptor.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) refuse('SIGNATURE_MISSING', `layer media type ${descriptor.mediaType} is not a simple-signing payload`);
    checkBlob(descriptor, blob, 'the payload');
    const annotations = descriptor.annotations ?? {};
    if (annotations[ANNOTATION_CERTIFICATE] !== undefined && annotations[ANNOTATION_CERTIFICATE] !== '') {
      refuse('CERTIFICATE_UNSUPPORTED', 'the signature is certificate-based; only trusted keys are supported');
    }
    const sigText = annotations[ANNOTATION_SIGNATURE];
    if (sigText === undefined || sigText === '') refuse('SIGNATURE_MISSING', 'the layer has no signature annotation');
    const signature = readOr('SIGNATURE_MISSING', 'signature annotation', () => b64(sigText, 'signature'));
    const material: SignedMaterial = { type: 'message', payload: blob, signature };
    const entry = layerEntry(annotations[ANNOTATION_BUNDLE], input.online);
    const { tlog, signer } = await verifyLogged(entry, material, trust);
    const claims = readOr('PAYLOAD_INVALID', 'payload', () => parseSimpleSigningPayload(blob));
    if (claims.manifestDigest !== input.imageDigest) {
      refuse('DIGEST_MISMATCH', `the payload is for ${claims.manifestDigest}, the image is ${input.imageDigest}`);
    }
    if (!sameRepository(claims.dockerReference, input.repository)) {
      refuse('REFERENCE_MISMATCH', `the payload names ${claims.dockerReference}, not ${input.repository}`);
    }
    return { signerIndex: signer, claims, tlog };
  });
}

